"""Meetings and their agenda items: the committee clerk's side of an approval round.

Putting an agreement on a meeting's agenda moves that party's approval to "sat på dagsorden";
the beslutning recorded after a meeting of the approving body (kommunalbestyrelse, regionsråd)
is the party's decision, recorded through the same function as `aftaleflow approval record`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import Session, col, or_, select

from aftaleflow.config import TIMEZONE, local_time
from aftaleflow.domain.agenda import Slot, renumber
from aftaleflow.domain.calendar import Deadline
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.domain.errors import Conflict, NotFound, ValidationFailed
from aftaleflow.domain.machines import APPROVAL, DECISIONS
from aftaleflow.domain.meetings import AgendaItem, Meeting
from aftaleflow.domain.model import Agreement, Approval, Body, Municipality
from aftaleflow.domain.validation import MAX_TITLE, clean_text
from aftaleflow.services.agreements.approvals import Decision, apply_decision, find_party_approval
from aftaleflow.services.agreements.cases import load_agreement
from aftaleflow.services.agreements.part_view import REGION_PARTY_KINDS
from aftaleflow.services.agreements.parties import round_parties_markdown
from aftaleflow.services.meetings.bilag import BilagFile, store_bilag
from aftaleflow.services.reading.indexing import index_item
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgendaItemView, MeetingView

APPROVING_KINDS = ("kommunalbestyrelse", "regionsraad")
# The usual route of a council case, and where a meeting of each kind of body sits on it.
DEFAULT_ROUTES: dict[str, tuple[list[str], str]] = {
    "kommunalbestyrelse": (["FAG", "ØKU", "KB"], "KB"),
    "oekonomiudvalg": (["FAG", "ØKU", "KB"], "ØKU"),
    "fagudvalg": (["FAG", "ØKU", "KB"], "FAG"),
    "regionsraad": (["FU", "RR"], "RR"),
    "forretningsudvalg": (["FU", "RR"], "FU"),
    "ssu": (["SSU"], "SSU"),
}
ITEM_DECISIONS = ("godkendt", "afvist", "udsat")


@dataclass(frozen=True)
class NewItem:
    title: str = ""
    number: int | None = None
    """The item's number on the agenda; the next free one when not given."""
    agreement_id: int | None = None
    closed: bool = False
    case_number: str = ""
    case_handler: str = ""
    other_handlers: str = ""
    route: list[str] = field(default_factory=list)
    route_current: str | None = None
    summary: str = ""
    account: str = ""
    recommender: str = ""
    recommendations: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    attachment_files: list[BilagFile] = field(default_factory=list)
    late_reason: str | None = None
    history: bool = False  # recorded after the meeting was held: no agenda deadline applies


def find_body(session: Session, ref: str) -> Body:
    body = session.exec(select(Body).where(
        or_(Body.key == ref.strip().lower(), col(Body.name).ilike(ref.strip()))
    )).first()
    if body is None:
        raise NotFound(f"Ukendt organ '{ref[:60]}'. Brug organets nøgle (fx kb-657) eller "
                       "fulde navn.")
    return body


def create_meeting(ctx: ServiceContext, body: str, starts_at: datetime | date,
                   place: str) -> MeetingView:
    """A meeting at a time, or on a day when the time is not known yet (a date only)."""
    ctx.authorize("meeting.write")
    place = clean_text(place, "mødested", max_len=200, required=True, single_line=True)
    has_time = isinstance(starts_at, datetime)
    if not isinstance(starts_at, datetime):
        starts_at = datetime.combine(starts_at, time(0), tzinfo=TIMEZONE)
    with UnitOfWork(ctx) as uow:
        organ = find_body(uow.session, body)
        day = local_time(starts_at).date()
        if organ.valid_from > day or (organ.valid_to and organ.valid_to < day):
            raise ValidationFailed(f"{organ.name} findes ikke på mødedatoen {day}.")
        meeting = Meeting(body_id=organ.id or 0, starts_at=starts_at, has_time=has_time,
                          place=place, created_at=uow.now)
        uow.session.add(meeting)
        uow.session.flush()
        moment = f"{starts_at:%d.%m.%Y %H:%M}" if has_time else f"{starts_at:%d.%m.%Y}"
        uow.record(entity="meeting", entity_id=meeting.id, trigger="opret_moede",
                   from_state=None, to_state=None, comment=f"{organ.name} {moment}, {place}")
        uow.commit()
        return meeting_view(uow.session, meeting)


def list_meetings(ctx: ServiceContext) -> list[MeetingView]:
    ctx.authorize("meeting.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        meetings = uow.session.exec(select(Meeting).order_by(col(Meeting.starts_at)))
        return [meeting_view(uow.session, m, with_items=False) for m in meetings]


def get_meeting(ctx: ServiceContext, meeting_id: int) -> MeetingView:
    ctx.authorize("meeting.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        return meeting_view(uow.session, _meeting(uow.session, meeting_id))


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"Mødet {meeting_id} findes ikke.")
    return meeting


def _party_ref(session: Session, body: Body) -> str | None:
    """Which party of an approval round a meeting of `body` acts for."""
    if body.municipality_id is not None:
        muni = session.get(Municipality, body.municipality_id)
        return muni.code if muni else None
    if body.kind in REGION_PARTY_KINDS:
        return "regionsrådet"
    return None


def add_item(ctx: ServiceContext, meeting_id: int, new: NewItem) -> AgendaItemView:
    """Add a dagsordenpunkt; for an agreement, drafted from the agreement itself."""
    ctx.authorize("meeting.write")
    with UnitOfWork(ctx) as uow:
        session = uow.session
        meeting = _meeting(session, meeting_id)
        body = session.get(Body, meeting.body_id)
        assert body is not None and meeting.id is not None
        agreement: Agreement | None = None
        approval: Approval | None = None
        if new.agreement_id is not None:
            agreement = load_agreement(session, new.agreement_id, None, lock=True)
            approval = _round_approval(session, agreement, body)
        route, current = DEFAULT_ROUTES.get(body.kind, ([], ""))
        item = AgendaItem(
            meeting_id=meeting.id, number=_item_number(session, meeting.id, new.number),
            custom_number=new.number is not None,
            title=_text(new.title or (agreement.title if agreement else ""), "titel",
                        MAX_TITLE, required=True, single_line=True),
            closed=new.closed,
            agreement_id=agreement.id if agreement else None,
            approval_id=approval.id if approval else None,
            case_number=_text(new.case_number or (agreement.kle_number if agreement else ""),
                              "sagsnr.", 60, single_line=True),
            case_handler=_text(new.case_handler or (agreement.case_handler if agreement
                                                    else ""), "sagsbehandler", 200,
                               single_line=True),
            other_handlers=_text(new.other_handlers, "øvrige sagsbehandlere", 500,
                                 single_line=True),
            route=[_text(r, "rute", 20, required=True, single_line=True)
                   for r in (new.route or route)],
            route_current=new.route_current or current or None,
            summary=_text(new.summary or (agreement.description if agreement else ""),
                          "sagsresume"),
            account=_text(new.account or (round_parties_markdown(session, agreement)
                                          if agreement else ""), "sagsfremstilling"),
            recommender=_text(new.recommender, "indstiller", 300, single_line=True),
            recommendations=[_text(r, "indstilling", 2000, required=True)
                             for r in (new.recommendations or
                                       (["at samarbejdsaftalen godkendes."] if agreement
                                        else []))],
            attachments=[_text(a, "bilag", 300, required=True, single_line=True)
                         for a in new.attachments],
            attachment_files=store_bilag(new.attachment_files),
            late_reason=_text(new.late_reason, "begrundelse for sen udsendelse", 2000)
            if new.late_reason else None,
            created_at=uow.now, updated_at=uow.now,
        )
        when = local_time(meeting.starts_at)
        deadline = load_policy().agenda_deadline(when.date(), body.kind)
        _check_agenda_deadline(uow.now.date(), when.date(), deadline, item, new.history)
        if item.route_current and item.route_current not in item.route:
            raise ValidationFailed(
                f"Det aktuelle trin '{item.route_current}' er ikke på ruten "
                f"{' '.join(item.route)}.")
        session.add(item)
        session.flush()
        index_item(session, item)
        uow.record(entity="agenda_item", entity_id=item.id,
                   agreement_id=agreement.id if agreement else None, trigger="tilfoej_punkt",
                   from_state=None, to_state=None,
                   comment=f"Punkt {item.number} på møde {meeting.id}: {item.title}"
                           + (" (registreret som historik)" if new.history else ""))
        if agreement and approval and approval.state in ("afventer", "udsat"):
            apply_decision(uow, agreement, approval, Decision(
                party=body.name, decision="dagsorden", meeting_date=when.date()))
        uow.commit()
        return item_view(item)


def _round_approval(session: Session, agreement: Agreement, body: Body) -> Approval | None:
    """The party's approval in the current round, if the agreement has one; an item may also
    just inform about an agreement in any state (no round, or a body that is no party)."""
    ref = _party_ref(session, body)
    if ref is None or agreement.round_no == 0:
        return None
    try:
        return find_party_approval(session, agreement, ref)
    except NotFound:
        if body.kind in APPROVING_KINDS:
            raise
        return None


def _check_agenda_deadline(today: date, meeting_day: date, deadline: Deadline,
                           item: AgendaItem, history: bool) -> None:
    """An item after the agenda's send-out deadline needs a reason the agenda shows; a meeting
    already held may instead be recorded as history (e.g. an old agenda typed in)."""
    if history:
        if meeting_day >= today:
            raise ValidationFailed(
                f"Mødet {meeting_day:%d.%m.%Y} er ikke holdt endnu; kun punkter på et møde, "
                "der er holdt, kan registreres som historik.", fields=("history",))
        return
    if today > deadline.date and not item.late_reason:
        raise ValidationFailed(
            f"Dagsordenen til mødet {meeting_day:%d.%m.%Y} skulle udsendes senest "
            f"{deadline.long_date}. Et punkt, der kommer senere, skal have en begrundelse for "
            "den sene udsendelse, som dagsordenen viser; er mødet holdt, kan punktet i stedet "
            "registreres som historik.", fields=("late_reason", "history"))


def _item_number(session: Session, meeting_id: int, wanted: int | None) -> int:
    """The number asked for (seed 004's item is number 18), or the next free one."""
    numbers = set(session.exec(select(AgendaItem.number)
                               .where(AgendaItem.meeting_id == meeting_id)))
    if wanted is None:
        return max(numbers, default=0) + 1
    if not 1 <= wanted <= 999:
        raise ValidationFailed(f"Punktnummeret skal være mellem 1 og 999 (fik {wanted}).")
    if wanted in numbers:
        raise Conflict(f"Møde {meeting_id} har allerede et punkt {wanted}. Vælg et andet "
                       "nummer, eller flyt det andet punkt først.")
    return wanted


def add_item_attachment(ctx: ServiceContext, item_id: int, bilag: BilagFile) -> AgendaItemView:
    """Add a bilag as a PDF file to an existing item (appended to its PDF, listed with pages)."""
    ctx.authorize("meeting.write")
    stored = store_bilag([bilag])
    with UnitOfWork(ctx) as uow:
        item = _item(uow.session, item_id)
        item.attachment_files = [*item.attachment_files, *stored]
        item.updated_at = uow.now
        uow.session.add(item)
        uow.record(entity="agenda_item", entity_id=item.id, agreement_id=item.agreement_id,
                   trigger="tilfoej_bilag", from_state=None, to_state=None,
                   comment=f"Punkt {item.number}: bilag '{stored[0]['name']}' "
                           f"(sha256 {stored[0]['sha256'][:12]})")
        uow.commit()
        return item_view(item)


def decide_item(ctx: ServiceContext, item_id: int, decision_text: str,
                decision: str | None = None) -> AgendaItemView:
    """Write the beslutning; at the approving body's meeting it is the party's decision."""
    ctx.authorize("meeting.write")
    text = clean_text(decision_text, "beslutning", required=True)
    if decision is not None and decision not in ITEM_DECISIONS:
        raise ValidationFailed(f"Ukendt beslutning '{decision[:40]}'. Mulige: "
                               f"{', '.join(ITEM_DECISIONS)}.")
    with UnitOfWork(ctx) as uow:
        session = uow.session
        item = session.get(AgendaItem, item_id)
        if item is None:
            raise NotFound(f"Dagsordenpunkt {item_id} findes ikke.")
        meeting = _meeting(session, item.meeting_id)
        body = session.get(Body, meeting.body_id)
        assert body is not None
        item.decision_text = text
        item.decision = decision
        item.updated_at = uow.now
        session.add(item)
        index_item(session, item)
        uow.record(entity="agenda_item", entity_id=item.id, agreement_id=item.agreement_id,
                   trigger="beslutning", from_state=None, to_state=decision, comment=text)
        if (decision and item.approval_id and item.agreement_id
                and body.kind in APPROVING_KINDS):
            agreement = load_agreement(session, item.agreement_id, None, lock=True)
            approval = session.get(Approval, item.approval_id)
            assert approval is not None
            when = local_time(meeting.starts_at)
            apply_decision(uow, agreement, approval, Decision(
                party=body.name, decision=decision, meeting_date=when.date(),
                protocol_ref=f"{body.name}, {when:%d.%m.%Y}, pkt. {item.number}",
                # the beslutning is the reason of a decision that needs one (an afvisning)
                comment=text if APPROVAL.needs_reason(DECISIONS[decision]) else None,
            ))
        uow.commit()
        return item_view(item)


def _text(value: str | None, name: str, max_len: int = 100_000, *, required: bool = False,
          single_line: bool = False) -> str:
    return clean_text(value or "", name, max_len=max_len, required=required,
                      single_line=single_line)


def item_view(item: AgendaItem) -> AgendaItemView:
    assert item.id is not None
    return AgendaItemView(
        id=item.id, meeting_id=item.meeting_id, number=item.number, title=item.title,
        closed=item.closed, agreement_id=item.agreement_id, approval_id=item.approval_id,
        case_number=item.case_number, case_handler=item.case_handler,
        other_handlers=item.other_handlers, route=list(item.route),
        route_current=item.route_current, summary=item.summary, account=item.account,
        recommender=item.recommender, recommendations=list(item.recommendations),
        decision_text=item.decision_text, decision=item.decision,
        attachments=list(item.attachments), late_reason=item.late_reason,
        version=item.version or 0,
        attachment_files=[f["name"] for f in item.attachment_files],
    )


def meeting_view(session: Session, meeting: Meeting, *, with_items: bool = True
                 ) -> MeetingView:
    body = session.get(Body, meeting.body_id)
    assert body is not None and meeting.id is not None
    items = []
    if with_items:
        items = [item_view(i) for i in session.exec(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
            .order_by(col(AgendaItem.number)))]
    return MeetingView(id=meeting.id, body_key=body.key, body=body.name, body_kind=body.kind,
                       starts_at=local_time(meeting.starts_at), place=meeting.place, items=items,
                       has_time=meeting.has_time)


def _item(session: Session, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound(f"Dagsordenpunkt {item_id} findes ikke.")
    return item


def move_item(ctx: ServiceContext, item_id: int, new_position: int) -> MeetingView:
    """Move a dagsordenpunkt to place `new_position` (1 = first) in one transaction. Numbers
    the clerk set stay; the other items are numbered after the order (domain.agenda)."""
    ctx.authorize("meeting.write")
    with UnitOfWork(ctx) as uow:
        session = uow.session
        item = _item(session, item_id)
        meeting = _meeting(session, item.meeting_id)
        items = list(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                  .order_by(col(AgendaItem.number))))
        if not 1 <= new_position <= len(items):
            raise ValidationFailed(f"Punktet kan kun flyttes til plads 1-{len(items)}.")
        old_number = item.number
        order = [i for i in items if i.id != item.id]
        order.insert(new_position - 1, item)
        numbers = renumber([Slot(i.number, i.custom_number, i.id == item.id) for i in order])
        if [i.number for i in order] != numbers:
            _renumber(session, list(zip(order, numbers, strict=True)), uow.now)
            uow.record(entity="agenda_item", entity_id=item.id, agreement_id=item.agreement_id,
                       trigger="flyt_punkt", from_state=str(old_number),
                       to_state=str(item.number),
                       comment=f"Møde {meeting.id}: '{item.title}' fra punkt {old_number} "
                               f"til punkt {item.number}")
        uow.commit()
        return meeting_view(session, meeting)


def _renumber(session: Session, numbered: list[tuple[AgendaItem, int]], now: datetime) -> None:
    """Give items their new numbers without ever breaking (meeting_id, number) uniqueness."""
    changed = [(i, n) for i, n in numbered if i.number != n]
    for offset, (item, _number) in enumerate(changed, start=1):
        item.number = -offset  # park outside the used range first
        session.add(item)
        session.flush()
    for item, number in changed:
        item.number = number
        item.updated_at = now
        session.add(item)
        session.flush()


def set_item_closed(ctx: ServiceContext, item_id: int, closed: bool) -> AgendaItemView:
    """Mark a dagsordenpunkt lukket (left out of public agendas) or åbent again."""
    ctx.authorize("meeting.write")
    with UnitOfWork(ctx) as uow:
        item = _item(uow.session, item_id)
        if item.closed != closed:
            before = "lukket" if item.closed else "åbent"
            item.closed = closed
            item.updated_at = uow.now
            uow.session.add(item)
            uow.record(entity="agenda_item", entity_id=item.id, agreement_id=item.agreement_id,
                       trigger="luk_punkt" if closed else "aabn_punkt", from_state=before,
                       to_state="lukket" if closed else "åbent",
                       comment=f"Punkt {item.number}: {item.title}")
        uow.commit()
        return item_view(item)
