"""Case documents from the database: build view models, render, store, register.

Rendering happens outside any transaction (it takes seconds); the file is written atomically
and then registered with its sha256, template and template version. Rendering the same data
twice gives the same bytes, so a second render finds the first registration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from aftaleflow import documents as docs
from aftaleflow.config import get_settings
from aftaleflow.documents import viewmodels as vm
from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.forum import with_forum
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.meetings import AgendaItem, StoredDocument
from aftaleflow.domain.model import Agreement, Approval, Body, Cluster
from aftaleflow.services.agreements.approvals import find_party_approval
from aftaleflow.services.agreements.availability import forum_names
from aftaleflow.services.agreements.cases import load_visible
from aftaleflow.services.agreements.read_model import fixed_deadline_in_view
from aftaleflow.services.agreements.texts import changes_vm, item_changes
from aftaleflow.services.documents.drafts import DRAFT_NAME, WORD_NOTE, draft_view
from aftaleflow.services.documents.view_models import (
    items_vms,
    meeting_and_items,
    meeting_vm,
    party_vms,
    sender_of,
)
from aftaleflow.services.mail.links import agreement_url, decision_url
from aftaleflow.services.reading.indexing import index_document
from aftaleflow.services.uow import ServiceContext, UnitOfWork, reader_of
from aftaleflow.services.views import Moment, ServerPath

if TYPE_CHECKING:
    from aftaleflow.documents.render import RenderedDocument


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    kind: str
    title: str
    path: ServerPath
    sha256: str
    size: int
    template: str
    template_version: str
    agreement_id: int | None
    meeting_id: int | None
    created_at: Moment
    recipient: str | None = None  # the body a letter went to, when it went to one
    recipient_body_id: int | None = None
    """The party a letter or a council's draft is for."""

    @property
    def media_type(self) -> str:
        return WORD_MIME if self.path.endswith(".docx") else "application/pdf"

    @property
    def suffix(self) -> str:
        return ".docx" if self.path.endswith(".docx") else ".pdf"


WORD_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def documents_dir() -> Path:
    return get_settings().state_dir / "documents"


# --- registering -----------------------------------------------------------------------------
def _register(ctx: ServiceContext, result: RenderedDocument, *, agreement_id: int | None = None,
              meeting_id: int | None = None, item_id: int | None = None,
              body_id: int | None = None) -> DocumentRecord:
    path = docs.store_document(result, documents_dir())
    return _register_file(ctx, Filed(result.kind, result.title, result.sha256, result.size,
                                     result.template, result.template_version, path),
                          agreement_id=agreement_id, meeting_id=meeting_id, item_id=item_id,
                          body_id=body_id)


@dataclass(frozen=True)
class Filed:
    """A stored file about to be registered (a PDF, or a council's Word draft)."""

    kind: str
    title: str
    sha256: str
    size: int
    template: str
    template_version: str
    path: Path


def _register_file(ctx: ServiceContext, result: Filed, *, agreement_id: int | None = None,
                   meeting_id: int | None = None, item_id: int | None = None,
                   body_id: int | None = None) -> DocumentRecord:
    with UnitOfWork(ctx) as uow:
        row = uow.session.exec(select(StoredDocument).where(
            StoredDocument.sha256 == result.sha256, StoredDocument.kind == result.kind,
            StoredDocument.agreement_id == agreement_id,
            StoredDocument.meeting_id == meeting_id,
            StoredDocument.recipient_body_id == body_id)).first()
        if row is None:
            row = StoredDocument(
                kind=result.kind, title=result.title, path=str(result.path),
                sha256=result.sha256, size=result.size, template=result.template,
                template_version=result.template_version, agreement_id=agreement_id,
                meeting_id=meeting_id, agenda_item_id=item_id, recipient_body_id=body_id,
                created_at=uow.now)
            uow.session.add(row)
            uow.session.flush()
            index_document(uow.session, row)
            uow.record(entity="document", entity_id=row.id, agreement_id=agreement_id,
                       trigger="dan_dokument", from_state=None, to_state=result.kind,
                       comment=f"{result.title} (sha256 {result.sha256[:12]})")
            uow.commit()
        return _record(row)


def _record(row: StoredDocument, recipient: str | None = None) -> DocumentRecord:
    assert row.id is not None
    return DocumentRecord(id=row.id, kind=row.kind, title=row.title, path=row.path,
                          sha256=row.sha256, size=row.size, template=row.template,
                          template_version=row.template_version,
                          agreement_id=row.agreement_id, meeting_id=row.meeting_id,
                          created_at=row.created_at, recipient=recipient,
                          recipient_body_id=row.recipient_body_id)


# --- the documents ---------------------------------------------------------------------------
def render_agenda_item(ctx: ServiceContext, item_id: int) -> DocumentRecord:
    ctx.authorize("document.write")
    with UnitOfWork(ctx, read_only=True) as uow:
        item = uow.session.get(AgendaItem, item_id)
        if item is None:
            raise NotFound(f"Dagsordenpunkt {item_id} findes ikke.")
        meeting, body, _items = meeting_and_items(uow.session, item.meeting_id)
        view = replace(items_vms(uow.session, meeting, body, [item])[0],
                       changes=item_changes(uow.session, item))
    result = _render(lambda: docs.render_agenda_item(meeting_vm(meeting, body), view))
    return _register(ctx, result, agreement_id=item.agreement_id, meeting_id=meeting.id,
                     item_id=item.id)


def render_agenda(ctx: ServiceContext, meeting_id: int, *, public: bool = False,
                  protocol: bool = False) -> DocumentRecord:
    """The samlet dagsorden (or, after the meeting, the beslutningsprotokol)."""
    ctx.authorize("document.write")
    with UnitOfWork(ctx, read_only=True) as uow:
        meeting, body, items = meeting_and_items(uow.session, meeting_id)
        if not items:
            raise ValidationFailed(f"Mødet {meeting_id} har ingen dagsordenpunkter endnu.")
        header = meeting_vm(meeting, body)
        views = [replace(v, changes=item_changes(uow.session, i))
                 for v, i in zip(items_vms(uow.session, meeting, body, items), items,
                                 strict=True)]
    if protocol:
        result = _render(lambda: docs.render_protocol(
            vm.ProtocolView(meeting=header, items=views), public=public))
    else:
        result = _render(lambda: docs.render_agenda(
            vm.AgendaView(meeting=header, items=views), public=public))
    return _register(ctx, result, meeting_id=meeting_id)


@dataclass(frozen=True)
class RequestDocuments:
    """A request for approval to one party: the letter (with the draft's pages appended) and
    that council's draft agenda item as PDF and as Word file."""

    letter: DocumentRecord
    draft_pdf: DocumentRecord
    draft_docx: DocumentRecord


def render_letter(ctx: ServiceContext, kind: str, agreement_id: int, *,
                  party: str | None = None, cluster: str | None = None, message: str = "",
                  reminders_sent: int = 0) -> DocumentRecord:
    """A letter about one agreement: to a party, a cluster, or (eskalering) the manager.
    A request for approval to a party carries that council's draft agenda item."""
    ctx.authorize("document.write")
    letter_kind = _letter_kind(kind)
    if letter_kind == vm.LetterKind.APPROVAL_REQUEST and party:
        return approval_request(ctx, agreement_id, party, message=message).letter
    letter, body_id, _draft = _letter_data(ctx, letter_kind, agreement_id, party=party,
                                           cluster=cluster, message=message,
                                           reminders_sent=reminders_sent)
    return _register(ctx, _render_letter(letter), agreement_id=agreement_id, body_id=body_id)


def approval_request(ctx: ServiceContext, agreement_id: int, party: str, *,
                     message: str = "") -> RequestDocuments:
    """The request letter to `party`, and its council's draft as PDF (appended to the letter)
    and .docx; all three stored and registered for that party."""
    ctx.authorize("document.write")
    letter, body_id, draft = _letter_data(ctx, vm.LetterKind.APPROVAL_REQUEST, agreement_id,
                                          party=party, message=message)
    assert draft is not None
    draft_pdf = _render(lambda: docs.render_draft_item(draft))
    word = docs.render_draft_docx(draft)
    word_path, _digest = docs.store_file(word.data, word.kind, ".docx", documents_dir())
    pdf_record = _register(ctx, draft_pdf, agreement_id=agreement_id, body_id=body_id)
    docx_record = _register_file(ctx, Filed(word.kind, word.title, word.sha256, word.size,
                                            word.template, word.template_version, word_path),
                                 agreement_id=agreement_id, body_id=body_id)
    letter = replace(letter, enclosures=[vm.PdfAttachment(
        DRAFT_NAME.format(council=draft.council), draft_pdf.pdf)], attachments=[WORD_NOTE])
    letter_record = _register(ctx, _render_letter(letter), agreement_id=agreement_id,
                              body_id=body_id)
    return RequestDocuments(letter=letter_record, draft_pdf=pdf_record, draft_docx=docx_record)


def _letter_kind(kind: str) -> vm.LetterKind:
    try:
        return vm.LetterKind(kind)
    except ValueError:
        raise ValidationFailed(f"Ukendt brevtype '{kind[:40]}'. Mulige: "
                               f"{', '.join(k.value for k in vm.LetterKind)}.") from None


LetterData = tuple[vm.LetterView, int | None, vm.DraftItemView | None]


def _letter_data(ctx: ServiceContext, letter_kind: vm.LetterKind, agreement_id: int, *,
                 party: str | None = None, cluster: str | None = None, message: str = "",
                 reminders_sent: int = 0) -> LetterData:
    """The letter's data, its recipient body, and (request to a party) the council's draft."""
    return letters_data(ctx, letter_kind, agreement_id, [party], cluster=cluster,
                        message=message, reminders_sent=reminders_sent)[0]


def letters_data(ctx: ServiceContext, letter_kind: vm.LetterKind, agreement_id: int,
                 parties: Sequence[str | None], *, cluster: str | None = None,
                 message: str = "", reminders_sent: int = 0) -> list[LetterData]:
    """`_letter_data` for several parties of one agreement, read in one transaction."""
    today = ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        agreement = load_visible(s, ctx.principal, agreement_id)
        sender = sender_of(s, agreement, today)
        party_views = party_vms(s, agreement, today)
        found = []
        for party in parties:
            approval = find_party_approval(s, agreement, party) if party else None
            body = s.get(Body, approval.body_id) if approval else None
            recipient, body_id = _recipient(s, letter_kind, body, cluster)
            request = letter_kind == vm.LetterKind.APPROVAL_REQUEST
            letter = vm.LetterView(
                kind=letter_kind, date=today, sender=sender,
                recipient=recipient, agreement_title=agreement.title,
                case_number=agreement.kle_number, case_handler=agreement.case_handler,
                deadline=approval.deadline if approval else fixed_deadline_in_view(agreement),
                message=message, decision_body=body.name if body else "",
                decision_date=approval.decided_on if approval else None,
                reason=(approval.comment or "") if approval else "",
                parties=party_views, reminders_sent=reminders_sent,
                attachments=["Udkast til dagsordenpunkt"] if request else [],
                changes=changes_vm(s, agreement.id, approval.round_no if approval else None)
                if request else None,
                action_link=_action_link(letter_kind, agreement_id, body))
            draft = (draft_view(s, agreement, approval, body, sender, today)
                     if request and approval and body else None)
            found.append((letter, body_id, draft))
    return found


ASKING = (vm.LetterKind.APPROVAL_REQUEST, vm.LetterKind.REMINDER)


def _action_link(kind: vm.LetterKind, agreement_id: int, body: Body | None) -> str:
    """A letter that asks a party for its decision links to that party's decision page."""
    if kind in ASKING and body is not None:
        return decision_url(agreement_id, body.key)
    if kind == vm.LetterKind.ESCALATION:
        return agreement_url(agreement_id)
    return ""


def _render_letter(letter: vm.LetterView) -> RenderedDocument:
    return _render(lambda: docs.render_letter(letter))


def _render(action: Callable[[], RenderedDocument]) -> RenderedDocument:
    """Run a renderer; the engine's Danish data errors become the domain's."""
    try:
        return action()
    except docs.DocumentDataError as exc:
        raise ValidationFailed(exc.message) from exc


def _recipient(session: Session, kind: vm.LetterKind, body: Body | None,
               cluster: str | None) -> tuple[vm.RecipientView, int | None]:
    if kind == vm.LetterKind.ESCALATION:
        return vm.RecipientView(name="Ansvarlig leder", address_lines=[
            get_settings().manager_email]), None
    if kind == vm.LetterKind.IMPLEMENTATION_REQUEST:
        if not cluster:
            raise ValidationFailed("En anmodning om implementering skal have en klynge.")
        area = session.exec(select(Cluster).where(Cluster.key == cluster.lower())).first() or \
            session.exec(select(Cluster).where(col(Cluster.name).ilike(cluster))).first()
        if area is None:
            raise NotFound(f"Ukendt klynge '{cluster[:60]}'.")
        return vm.RecipientView(name=area.name, attention="Klyngens administrative niveau"), None
    if body is None:
        raise ValidationFailed(f"Brevtypen '{kind.value}' skal have en part (--party).")
    return vm.RecipientView(name=body.name, attention="Sekretariatet"), body.id


def render_status_report(ctx: ServiceContext, today: date | None = None) -> DocumentRecord:
    ctx.authorize("document.write")
    day = today or ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        rows = s.exec(select(Agreement).where(col(Agreement.state).not_in(
            ["tilbagetrukket", "udloebet", "erstattet"])).order_by(col(Agreement.id))).all()
        forums = forum_names(reader_of(s), list(rows), day)
        report = vm.StatusReportView(
            title=f"Status for samarbejdsaftaler pr. {day:%d.%m.%Y}", author="aftaleflow",
            date=day, agreements=[vm.AgreementStatusView(
                title=a.title, case_number=a.kle_number,
                state=with_forum(AGREEMENT.label_of(a.state), forums.get(a.id or 0)),
                deadline=fixed_deadline_in_view(a), parties=party_vms(s, a, day))
                for a in rows])
    return _register(ctx, docs.render_status_report(report))


def party_key(ctx: ServiceContext, approval_id: int) -> str:
    with UnitOfWork(ctx, read_only=True) as uow:
        approval = uow.session.get(Approval, approval_id)
        body = uow.session.get(Body, approval.body_id) if approval else None
        if body is None:
            raise NotFound(f"Godkendelse {approval_id} findes ikke.")
        return body.key


# --- reading -------------------------------------------------------------------------------------
def list_documents(ctx: ServiceContext, *, agreement_id: int | None = None,
                   meeting_id: int | None = None) -> list[DocumentRecord]:
    ctx.authorize("document.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        query = select(StoredDocument).order_by(col(StoredDocument.id))
        if agreement_id is not None:
            query = query.where(StoredDocument.agreement_id == agreement_id)
        if meeting_id is not None:
            query = query.where(StoredDocument.meeting_id == meeting_id)
        rows = uow.session.exec(query).all()
        names = dict(uow.session.exec(select(Body.id, Body.name).where(col(Body.id).in_(
            {r.recipient_body_id for r in rows if r.recipient_body_id}))).all())
        return [_record(r, names.get(r.recipient_body_id)) for r in rows]


DRAFT_KINDS = ("udkast_dagsordenpunkt", "udkast_dagsordenpunkt_docx")


@dataclass(frozen=True)
class PartyDrafts:
    """One party's draft agenda items for an agreement (PDF and Word, every round)."""

    body_key: str
    party: str
    documents: list[DocumentRecord]


def party_drafts(ctx: ServiceContext, agreement_id: int) -> list[PartyDrafts]:
    """The councils' drafts of an agreement, per party, newest last."""
    ctx.authorize("document.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        load_visible(s, ctx.principal, agreement_id)
        rows = s.exec(select(StoredDocument, Body)
                      .join(Body, col(Body.id) == col(StoredDocument.recipient_body_id))
                      .where(StoredDocument.agreement_id == agreement_id,
                             col(StoredDocument.kind).in_(DRAFT_KINDS))
                      .order_by(col(Body.name), col(StoredDocument.id))).all()
        grouped: dict[str, PartyDrafts] = {}
        for row, body in rows:
            entry = grouped.setdefault(body.key, PartyDrafts(body.key, body.name, []))
            entry.documents.append(_record(row, body.name))
        return list(grouped.values())


def read_document(ctx: ServiceContext, document_id: int) -> tuple[DocumentRecord, bytes]:
    """The stored PDF, checked against its registered sha256."""
    ctx.authorize("document.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        row = uow.session.get(StoredDocument, document_id)
        if row is None:
            raise NotFound(f"Dokument {document_id} findes ikke.")
        record = _record(row)
    try:
        data = Path(record.path).read_bytes()
    except OSError:
        raise NotFound(f"Filen til dokument {document_id} mangler i dokumentarkivet; dan "
                       "dokumentet igen.") from None
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise ValidationFailed(f"Filen til dokument {document_id} er ændret efter den blev "
                               "dannet (sha256 passer ikke).")
    return record, data
