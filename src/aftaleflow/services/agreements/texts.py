"""Text versions of an agreement: revise the draft, stamp it when a round starts, compare.

Each round's text is kept as the councils received it (`domain.texts`); the comparison is
word by word (`domain.textdiff`), the same for the CLI, the API, the dashboard and the
"Ændringer siden runde N" section of agenda items and request letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from aftaleflow.documents import viewmodels as vm
from aftaleflow.domain.errors import ActionRefused, NotFound, ValidationFailed
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.meetings import AgendaItem
from aftaleflow.domain.model import Agreement, Approval
from aftaleflow.domain.textdiff import TextSnapshot, compare
from aftaleflow.domain.texts import EDITABLE_STATES, AgreementText, join_names, split_names
from aftaleflow.domain.validation import MAX_TITLE, clean_text
from aftaleflow.services.agreements.cases import load_agreement, load_visible
from aftaleflow.services.agreements.text_rows import snapshot_row, texts_of
from aftaleflow.services.reading.indexing import index_agreement
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import Moment

MAX_ATTACHMENTS = 100


@dataclass(frozen=True)
class TextRevision:
    """What a case handler changes; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    body: str | None = None
    attachments: list[str] | None = None
    comment: str | None = None


@dataclass(frozen=True)
class TextVersionView:
    agreement_id: int
    version_no: int
    round_no: int | None
    sent_on: date | None
    title: str
    description: str
    body: str
    attachments: list[str]
    created_at: Moment
    updated_at: Moment


@dataclass(frozen=True)
class SegmentView:
    kind: str
    """uaendret, indsat or slettet."""
    text: str


@dataclass(frozen=True)
class FieldChangeView:
    field: str
    label: str
    changed: bool
    segments: list[SegmentView]


@dataclass(frozen=True)
class TextDiffView:
    """The changes from one text version to another, field by field."""

    agreement_id: int
    from_version: int
    to_version: int
    from_round: int | None
    to_round: int | None
    changed: bool
    fields: list[FieldChangeView]


def _draft(session: Session, agreement: Agreement, now: datetime) -> AgreementText:
    """The version being edited: the newest if not yet sent, else a new copy of it."""
    assert agreement.id is not None
    rows = texts_of(session, agreement.id)
    latest = rows[-1] if rows else None
    if latest is not None and latest.round_no is None:
        return latest
    number = agreement.text_version + 1 if agreement.round_no > 0 else agreement.text_version
    return snapshot_row(agreement, number, now, latest)


# --- services ---------------------------------------------------------------------------------
def _clean(rev: TextRevision) -> TextRevision:
    attachments = None
    if rev.attachments is not None:
        if len(rev.attachments) > MAX_ATTACHMENTS:
            raise ValidationFailed(f"Højst {MAX_ATTACHMENTS} bilag.")
        attachments = [clean_text(a, "bilag", max_len=300, required=True, single_line=True)
                       for a in rev.attachments]
    return TextRevision(
        title=clean_text(rev.title, "titel", max_len=MAX_TITLE, required=True,
                         single_line=True) if rev.title is not None else None,
        description=clean_text(rev.description, "beskrivelse")
        if rev.description is not None else None,
        body=clean_text(rev.body, "aftaletekst") if rev.body is not None else None,
        attachments=attachments,
        comment=clean_text(rev.comment, "kommentar", max_len=5000) if rev.comment else None)


def revise_text(ctx: ServiceContext, agreement_id: int, revision: TextRevision, *,
                expected_version: int | None = None) -> TextVersionView:
    """Change the draft text; after a rejection this makes the next round's version."""
    ctx.authorize("agreement.advance")
    rev = _clean(revision)
    with UnitOfWork(ctx) as uow:
        agreement = load_agreement(uow.session, agreement_id, expected_version, lock=True)
        if agreement.state not in EDITABLE_STATES:
            editable = ", ".join(AGREEMENT.label_of(s).lower() for s in EDITABLE_STATES)
            raise ActionRefused(
                f"Teksten kan ikke ændres, mens samarbejdsaftalen er i tilstanden "
                f"'{AGREEMENT.label_of(agreement.state)}'. Den kan ændres i tilstandene: "
                f"{editable}. Intet er gemt.", current_state=agreement.state)
        draft = _draft(uow.session, agreement, uow.now)
        changed = _apply(draft, rev)
        if not changed:
            raise ValidationFailed("Ingen ændringer: teksten er den samme som før.")
        draft.updated_at = uow.now
        agreement.title, agreement.description = draft.title, draft.description
        agreement.updated_at = uow.now
        uow.session.add_all([draft, agreement])
        uow.session.flush()
        index_agreement(uow.session, agreement)
        note = f"Tekstversion {draft.version_no}: {', '.join(changed)} ændret"
        uow.record(entity="agreement_text", entity_id=draft.id, agreement_id=agreement_id,
                   trigger="ret_tekst", from_state=agreement.state, to_state=agreement.state,
                   comment=f"{note}. {rev.comment}" if rev.comment else note)
        uow.commit()
        return _view(draft)


def _apply(draft: AgreementText, rev: TextRevision) -> list[str]:
    changed = []
    names = join_names(rev.attachments) if rev.attachments is not None else None
    for field, label, value in (("title", "titel", rev.title),
                                ("description", "beskrivelse", rev.description),
                                ("body", "aftaletekst", rev.body),
                                ("attachment_names", "bilag", names)):
        if value is not None and value != getattr(draft, field):
            setattr(draft, field, value)
            changed.append(label)
    return changed


def list_texts(ctx: ServiceContext, agreement_id: int) -> list[TextVersionView]:
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        load_visible(uow.session, ctx.principal, agreement_id)
        return [_view(r) for r in texts_of(uow.session, agreement_id)]


def diff_texts(ctx: ServiceContext, agreement_id: int, from_version: int | None = None,
               to_version: int | None = None) -> TextDiffView:
    """Changes between two versions; by default the newest against the one before it."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        load_visible(uow.session, ctx.principal, agreement_id)
        rows = {r.version_no: r for r in texts_of(uow.session, agreement_id)}
        newest = max(rows, default=1)
        to_no = to_version if to_version is not None else newest
        from_no = from_version if from_version is not None else max(to_no - 1, 1)
        for number in (from_no, to_no):
            if number not in rows:
                known = ", ".join(str(n) for n in sorted(rows)) or "ingen"
                raise NotFound(f"Samarbejdsaftale {agreement_id} har ingen tekstversion "
                               f"{number}. Versioner: {known}.")
        return text_diff(rows[from_no], rows[to_no])


def text_diff(old: AgreementText, new: AgreementText) -> TextDiffView:
    fields = [FieldChangeView(c.field, c.label, c.changed,
                              [SegmentView(s.kind, s.text) for s in c.segments])
              for c in compare(_snapshot(old), _snapshot(new))]
    return TextDiffView(agreement_id=new.agreement_id, from_version=old.version_no,
                        to_version=new.version_no, from_round=old.round_no,
                        to_round=new.round_no, changed=any(f.changed for f in fields),
                        fields=fields)


def _snapshot(row: AgreementText) -> TextSnapshot:
    return TextSnapshot(row.title, row.description, row.body,
                        tuple(split_names(row.attachment_names)))


def _view(row: AgreementText) -> TextVersionView:
    return TextVersionView(
        agreement_id=row.agreement_id, version_no=row.version_no, round_no=row.round_no,
        sent_on=row.sent_on, title=row.title, description=row.description, body=row.body,
        attachments=split_names(row.attachment_names), created_at=row.created_at,
        updated_at=row.updated_at)


def changes_vm(session: Session, agreement_id: int | None, round_no: int | None
               ) -> vm.TextChangesView | None:
    """The section "Ændringer siden runde N" of a document of round 2 or later: the text of
    this round against the previous one."""
    if agreement_id is None or round_no is None or round_no < 2:
        return None
    rounds = {r.round_no: r for r in texts_of(session, agreement_id) if r.round_no}
    if round_no not in rounds or round_no - 1 not in rounds:
        return None
    fields = compare(_snapshot(rounds[round_no - 1]), _snapshot(rounds[round_no]))
    return vm.TextChangesView(since_round=round_no - 1, fields=[f for f in fields if f.changed])


def item_changes(session: Session, item: AgendaItem) -> vm.TextChangesView | None:
    """An agenda item about an agreement shows the changes of its approval's round."""
    if item.agreement_id is None:
        return None
    approval = session.get(Approval, item.approval_id) if item.approval_id else None
    agreement = session.get(Agreement, item.agreement_id)
    round_no = approval.round_no if approval else agreement.round_no if agreement else None
    return changes_vm(session, item.agreement_id, round_no)
