"""Case documents from the database: build view models, render, store, register.

Rendering happens outside any transaction (it takes seconds); the file is written atomically
and then registered with its sha256, template and template version. Rendering the same data
twice gives the same bytes, so a second render finds the first registration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from aftaleflow import documents as docs
from aftaleflow.config import get_settings, local_time
from aftaleflow.documents import viewmodels as vm
from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.forum import with_forum
from aftaleflow.domain.machines import AGREEMENT, APPROVAL
from aftaleflow.domain.meetings import AgendaItem, Meeting, StoredDocument
from aftaleflow.domain.model import Agreement, Approval, Body, Cluster, Region
from aftaleflow.services.agreements import load_visible
from aftaleflow.services.approvals import find_party_approval
from aftaleflow.services.availability import forum_names
from aftaleflow.services.indexing import index_document
from aftaleflow.services.texts import changes_vm, item_changes
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import CERTAINTY_LABELS

if TYPE_CHECKING:
    from aftaleflow.documents.render import RenderedDocument


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    kind: str
    title: str
    path: str
    sha256: str
    size: int
    template: str
    template_version: str
    agreement_id: int | None
    meeting_id: int | None
    created_at: datetime


def documents_dir() -> Path:
    return get_settings().state_dir / "documents"


# --- view models from rows -----------------------------------------------------------------
def meeting_vm(meeting: Meeting, body: Body) -> vm.MeetingView:
    when = local_time(meeting.starts_at)
    return vm.MeetingView(body_name=body.name, body_kind=body.kind, date=when.date(),
                          time=when.time(), place=meeting.place)


def item_vm(item: AgendaItem) -> vm.AgendaItemView:
    return vm.AgendaItemView(
        number=item.number, title=item.title, closed=item.closed, sagsnr=item.case_number,
        sagsbehandler=item.case_handler,
        oevrige=[p.strip() for p in item.other_handlers.split(",") if p.strip()],
        route=[vm.RouteStep(code=c, name=c, current=c == item.route_current)
               for c in item.route],
        sagsresume=item.summary, sagsfremstilling=item.account,
        indstilling=vm.RecommendationView(recommender=item.recommender or "Administrationen",
                                          clauses=list(item.recommendations))
        if item.recommendations else None,
        beslutning=item.decision_text, bilag=list(item.attachments),
        late_reason=item.late_reason)


def _meeting_and_items(session: Session, meeting_id: int
                       ) -> tuple[Meeting, Body, list[AgendaItem]]:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"Mødet {meeting_id} findes ikke.")
    body = session.get(Body, meeting.body_id)
    assert body is not None
    items = list(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                              .order_by(col(AgendaItem.number))))
    return meeting, body, items


def certainty_text(certainty: str | None, source: str | None) -> str:
    """'foreløbig: <source>' / 'omstridt: <source>' for a party asked on unconfirmed data."""
    label = CERTAINTY_LABELS.get(certainty or "")
    return f"{label}: {source}" if label else ""


def party_vms(session: Session, agreement: Agreement, today: date) -> list[vm.PartyStatusView]:
    rows = session.exec(select(Approval, Body).join(Body, col(Body.id) == col(Approval.body_id))
                        .where(Approval.agreement_id == agreement.id,
                               Approval.round_no == agreement.round_no)
                        .order_by(col(Body.kind) != "regionsraad", col(Body.name))).all()
    return [vm.PartyStatusView(
        name=body.name, status=APPROVAL.label_of(a.state), approved=a.state == "godkendt",
        rejected=a.state == "afvist",
        overdue=bool(a.deadline and a.deadline < today and a.state not in ("godkendt", "afvist")),
        deadline=a.deadline, decided_on=a.decided_on,
        certainty=certainty_text(a.certainty, a.certainty_source)) for a, body in rows]


def _sender(session: Session, agreement: Agreement, on: date) -> str:
    region = session.get(Region, agreement.region_id)
    assert region is not None
    ssu = session.exec(select(Body).where(Body.kind == "ssu", Body.region_id == region.id,
                                          col(Body.valid_from) <= on)).first()
    if ssu is not None and (ssu.valid_to is None or ssu.valid_to >= on):
        return ssu.name
    return f"Regionsrådet, {region.name}"


# --- registering -----------------------------------------------------------------------------
def _register(ctx: ServiceContext, result: RenderedDocument, *, agreement_id: int | None = None,
              meeting_id: int | None = None, item_id: int | None = None,
              body_id: int | None = None) -> DocumentRecord:
    path = docs.store_document(result, documents_dir())
    with UnitOfWork(ctx) as uow:
        row = uow.session.exec(select(StoredDocument).where(
            StoredDocument.sha256 == result.sha256, StoredDocument.kind == result.kind,
            StoredDocument.agreement_id == agreement_id,
            StoredDocument.meeting_id == meeting_id)).first()
        if row is None:
            row = StoredDocument(
                kind=result.kind, title=result.title, path=str(path), sha256=result.sha256,
                size=result.size, template=result.template,
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


def _record(row: StoredDocument) -> DocumentRecord:
    assert row.id is not None
    return DocumentRecord(id=row.id, kind=row.kind, title=row.title, path=row.path,
                          sha256=row.sha256, size=row.size, template=row.template,
                          template_version=row.template_version,
                          agreement_id=row.agreement_id, meeting_id=row.meeting_id,
                          created_at=row.created_at)


# --- the documents ---------------------------------------------------------------------------
def render_agenda_item(ctx: ServiceContext, item_id: int) -> DocumentRecord:
    ctx.authorize("document.write")
    with UnitOfWork(ctx, read_only=True) as uow:
        item = uow.session.get(AgendaItem, item_id)
        if item is None:
            raise NotFound(f"Dagsordenpunkt {item_id} findes ikke.")
        meeting, body, _items = _meeting_and_items(uow.session, item.meeting_id)
        view = replace(item_vm(item), changes=item_changes(uow.session, item))
        result = docs.render_agenda_item(meeting_vm(meeting, body), view)
    return _register(ctx, result, agreement_id=item.agreement_id, meeting_id=meeting.id,
                     item_id=item.id)


def render_agenda(ctx: ServiceContext, meeting_id: int, *, public: bool = False,
                  protocol: bool = False) -> DocumentRecord:
    """The samlet dagsorden (or, after the meeting, the beslutningsprotokol)."""
    ctx.authorize("document.write")
    with UnitOfWork(ctx, read_only=True) as uow:
        meeting, body, items = _meeting_and_items(uow.session, meeting_id)
        if not items:
            raise ValidationFailed(f"Mødet {meeting_id} har ingen dagsordenpunkter endnu.")
        header = meeting_vm(meeting, body)
        views = [replace(item_vm(i), changes=item_changes(uow.session, i)) for i in items]
    if protocol:
        result = docs.render_protocol(vm.ProtocolView(meeting=header, items=views),
                                      public=public)
    else:
        result = docs.render_agenda(vm.AgendaView(meeting=header, items=views), public=public)
    return _register(ctx, result, meeting_id=meeting_id)


def render_letter(ctx: ServiceContext, kind: str, agreement_id: int, *,
                  party: str | None = None, cluster: str | None = None, message: str = "",
                  reminders_sent: int = 0) -> DocumentRecord:
    """A letter about one agreement: to a party, a cluster, or (eskalering) the manager."""
    ctx.authorize("document.write")
    try:
        letter_kind = vm.LetterKind(kind)
    except ValueError:
        raise ValidationFailed(f"Ukendt brevtype '{kind[:40]}'. Mulige: "
                               f"{', '.join(k.value for k in vm.LetterKind)}.") from None
    today = ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        agreement = load_visible(s, ctx.principal, agreement_id)
        approval = find_party_approval(s, agreement, party) if party else None
        body = s.get(Body, approval.body_id) if approval else None
        recipient, body_id = _recipient(s, letter_kind, body, cluster)
        letter = vm.LetterView(
            kind=letter_kind, date=today, sender=_sender(s, agreement, today),
            recipient=recipient, agreement_title=agreement.title,
            case_number=agreement.kle_number, case_handler=agreement.case_handler,
            deadline=approval.deadline if approval else agreement.approval_deadline,
            message=message, decision_body=body.name if body else "",
            decision_date=approval.decided_on if approval else None,
            reason=(approval.comment or "") if approval else "",
            parties=party_vms(s, agreement, today), reminders_sent=reminders_sent,
            attachments=["Udkast til dagsordenpunkt"]
            if letter_kind == vm.LetterKind.APPROVAL_REQUEST else [],
            changes=changes_vm(s, agreement.id, approval.round_no if approval else None)
            if letter_kind == vm.LetterKind.APPROVAL_REQUEST else None)
        result = _render_letter(letter)
    return _register(ctx, result, agreement_id=agreement_id, body_id=body_id)


def _render_letter(letter: vm.LetterView) -> RenderedDocument:
    try:
        return docs.render_letter(letter)
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
        forums = forum_names(s, list(rows), day)
        report = vm.StatusReportView(
            title=f"Status for samarbejdsaftaler pr. {day:%d.%m.%Y}", author="aftaleflow",
            date=day, agreements=[vm.AgreementStatusView(
                title=a.title, case_number=a.kle_number,
                state=with_forum(AGREEMENT.label_of(a.state), forums.get(a.id or 0)),
                deadline=a.approval_deadline, parties=party_vms(s, a, day)) for a in rows])
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
        return [_record(r) for r in uow.session.exec(query)]


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
        raise NotFound(f"Filen til dokument {document_id} mangler: {record.path}.") from None
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise ValidationFailed(f"Filen til dokument {document_id} er ændret efter den blev "
                               "dannet (sha256 passer ikke).")
    return record, data
