"""Case documents' view models built from rows: meetings, items, parties, the sender.

Read-only helpers for `services.documents.case_documents`; they read the session they are
given and never commit.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from aftaleflow.config import local_time
from aftaleflow.documents import viewmodels as vm
from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.machines import APPROVAL
from aftaleflow.domain.meetings import AgendaItem, Meeting
from aftaleflow.domain.model import Agreement, Approval, Body, Region
from aftaleflow.services.structure.bodies import route_names
from aftaleflow.services.views import CERTAINTY_LABELS


def meeting_vm(meeting: Meeting, body: Body) -> vm.MeetingView:
    when = local_time(meeting.starts_at)
    return vm.MeetingView(body_name=body.name, body_kind=body.kind, date=when.date(),
                          time=when.time() if meeting.has_time else None, place=meeting.place)


def item_vm(item: AgendaItem, names: dict[str, str] | None = None) -> vm.AgendaItemView:
    """The item as the templates read it; `names` gives the route's full names."""
    names = names or {}
    return vm.AgendaItemView(
        number=item.number, title=item.title, closed=item.closed, sagsnr=item.case_number,
        sagsbehandler=item.case_handler,
        oevrige=[p.strip() for p in item.other_handlers.split(",") if p.strip()],
        route=[vm.RouteStep(code=c, name=names.get(c, c), current=c == item.route_current)
               for c in item.route],
        bilag_pdf=[vm.PdfAttachment(f["name"], read_attachment(f)) for f in
                   item.attachment_files],
        sagsresume=item.summary, sagsfremstilling=item.account,
        indstilling=vm.RecommendationView(recommender=item.recommender or "Administrationen",
                                          clauses=list(item.recommendations))
        if item.recommendations else None,
        beslutning=item.decision_text, bilag=list(item.attachments),
        late_reason=item.late_reason)


def read_attachment(entry: dict[str, str]) -> bytes:
    """A stored PDF bilag, checked against the sha256 recorded when it was added."""
    try:
        data = Path(entry["path"]).read_bytes()
    except OSError:
        raise NotFound(f"Filen til bilaget '{entry['name']}' mangler: {entry['path']}.") from None
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ValidationFailed(f"Filen til bilaget '{entry['name']}' er ændret, efter den blev "
                               "tilføjet (sha256 passer ikke).")
    return data


def items_vms(session: Session, meeting: Meeting, body: Body, items: list[AgendaItem]
              ) -> list[vm.AgendaItemView]:
    """Item views with the route's short names resolved to the bodies' full names."""
    codes = sorted({c for i in items for c in i.route})
    names = route_names(session, codes, body, local_time(meeting.starts_at).date())
    return [item_vm(i, names) for i in items]


def meeting_and_items(session: Session, meeting_id: int
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


def sender_of(session: Session, agreement: Agreement, on: date) -> str:
    region = session.get(Region, agreement.region_id)
    assert region is not None
    ssu = session.exec(select(Body).where(Body.kind == "ssu", Body.region_id == region.id,
                                          col(Body.valid_from) <= on)).first()
    if ssu is not None and (ssu.valid_to is None or ssu.valid_to >= on):
        return ssu.name
    return f"Regionsrådet, {region.name}"
