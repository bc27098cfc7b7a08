"""Which messages are due: reminders before and after deadlines, and round letters.

`plan_*` only reads (for `aftaleflow remind --dry-run`); `enqueue_*` writes the same plan to
the outbox in one transaction, each message under an idempotency key, so running a sweep
twice (or after a crash) queues nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from aftaleflow.config import get_settings
from aftaleflow.domain.calendar import (
    ESCALATION,
    REMINDER_LABELS,
    BusinessCalendar,
    ReminderPolicy,
    ScheduledReminder,
    danish_long_date,
    reminder_schedule,
)
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.domain.forum import recommendation_sentence, replace_forum
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.model import Agreement, Approval, AuditEvent, Body
from aftaleflow.domain.outbox import OutboxMessage
from aftaleflow.domain.wording import deadline_phrase
from aftaleflow.services.agreements.availability import forum_on, history_forums
from aftaleflow.services.mail.links import ANSWER_LINK_LINE, decision_url
from aftaleflow.services.mail.outbox import enqueue
from aftaleflow.services.uow import ServiceContext, UnitOfWork, reader_of

M = TypeVar("M", bound=SQLModel)
OPEN_STATES = ("afventer", "sat_paa_dagsorden", "udsat")
ROUND_LETTER = "anmodning_om_godkendelse"


@dataclass(frozen=True)
class PlannedMessage:
    key: str
    kind: str
    agreement_id: int
    approval_id: int
    party: str
    recipients: list[str]
    subject: str
    body: str
    due_on: date
    deadline: date | None
    deadline_text: str = ""
    """The deadline as the subject words it on the day (`domain.wording.deadline_phrase`)."""


@lru_cache(maxsize=4096)
def _schedule(deadline: date, policy: ReminderPolicy,
              cal: BusinessCalendar) -> tuple[ScheduledReminder, ...]:
    """Few distinct deadlines exist, so each schedule is worked out once."""
    return tuple(reminder_schedule(deadline, policy, cal))


def reminder_key(level: str, approval_id: int, round_no: int) -> str:
    return f"{level}:godkendelse:{approval_id}:runde:{round_no}"


def scan_due_reminders(session: Session, today: date) -> list[tuple[str, int, int, date, date]]:
    """(level, approval id, round, due date, deadline) for every reminder due by today.

    One query narrowed by the earliest deadline that can have a reminder due, then the exact
    business-day schedule per distinct deadline; keys already in the outbox are left out.
    """
    policy = load_policy()
    cal = policy.calendar
    latest = cal.add_business_days(today, policy.reminders.first_reminder_days_before) + \
        timedelta(days=7)
    rows = session.execute(
        sa_select(col(Approval.id), col(Approval.round_no), col(Approval.deadline))
        .join(Agreement, col(Agreement.id) == col(Approval.agreement_id))
        .where(col(Agreement.state) == "i_godkendelse",
               col(Approval.round_no) == col(Agreement.round_no),
               col(Approval.state).in_(OPEN_STATES),
               col(Approval.deadline).is_not(None),
               col(Approval.deadline) <= latest)
    ).all()
    queued = set(session.execute(sa_select(col(OutboxMessage.key)).where(
        col(OutboxMessage.kind).in_(list(REMINDER_LABELS)))).scalars())
    due = []
    for approval_id, round_no, deadline in rows:
        for level, day in _schedule(deadline, policy.reminders, cal):
            if day <= today and reminder_key(level, approval_id, round_no) not in queued:
                due.append((level, approval_id, round_no, day, deadline))
    return due


Memo = dict[tuple[str, int | None], Any]
"""What one sweep reads once per agreement (its timeline, its round), not once per message."""


def _timeline(session: Session, agreement_id: int, limit: int = 8,
              memo: Memo | None = None) -> list[str]:
    if memo is None:
        return _read_timeline(session, agreement_id, limit)
    key = ("timeline", agreement_id)
    if key not in memo:
        memo[key] = _read_timeline(session, agreement_id, limit)
    return list(memo[key])


def _read_timeline(session: Session, agreement_id: int, limit: int) -> list[str]:
    events = session.exec(select(AuditEvent).where(
        AuditEvent.agreement_id == agreement_id, AuditEvent.entity == "agreement")
        .order_by(col(AuditEvent.id).desc()).limit(limit)).all()
    lines = []
    agreement = session.get(Agreement, agreement_id)
    forum = history_forums(reader_of(session), agreement) if agreement else (lambda e: None)
    for e in reversed(events):
        label = replace_forum(AGREEMENT.trigger_label(e.trigger), forum(e)) \
            if e.trigger in AGREEMENT.triggers else \
            "Oprettet" if e.trigger == "opret" else e.trigger
        lines.append(f"  {e.at[:10]}  {label}" + (f" ({e.comment})" if e.comment else ""))
    return lines


def _round_summary(session: Session, agreement: Agreement, own_body: int | None,
                   memo: Memo | None = None) -> list[str]:
    """Who has approved, who is missing and when the deadline is: readable without a login."""
    key = ("round", agreement.id)
    if memo is not None and key in memo:
        rows = memo[key]
    else:
        rows = session.exec(select(Approval, Body).join(Body, col(Body.id) == Approval.body_id)
                            .where(Approval.agreement_id == agreement.id,
                                   Approval.round_no == agreement.round_no)
                            .order_by(col(Body.name))).all()
        if memo is not None:
            memo[key] = rows
    approved = [f"{_short(b.name)} ({a.decided_on:%d.%m.%Y})" if a.decided_on else _short(b.name)
                for a, b in rows if a.state == "godkendt"]
    missing = [_short(b.name) + (" (jer)" if b.id == own_body else "")
               for a, b in rows if a.state in OPEN_STATES]
    rejected = [_short(b.name) for a, b in rows if a.state == "afvist"]
    own = next((a for a, b in rows if b.id == own_body), None)
    lines = [f"Godkendelsesrunde {agreement.round_no}: {len(approved)} af {len(rows)} parter "
             "har godkendt.",
             "Godkendt af: " + (", ".join(approved) or "ingen endnu"),
             "Mangler: " + (", ".join(missing) or "ingen")]
    if rejected:
        lines.append("Afvist af: " + ", ".join(rejected))
    if own is not None and own.deadline:
        lines.append(f"Jeres frist: {danish_long_date(own.deadline)}")
    return lines


def _short(name: str) -> str:
    """'Kommunalbestyrelsen, Herning Kommune' -> 'Herning Kommune'."""
    return name.rsplit(", ", 1)[-1]


def body_address(body: Body) -> str:
    """The body's mailbox from master data, else a configured fallback address."""
    return body.email or f"{body.key}@{get_settings().mail_domain}"


def _compose(session: Session, level: str, approval: Approval, agreement: Agreement,
             body: Body, due_on: date, today: date, memo: Memo | None = None
             ) -> PlannedMessage:
    """The message as it reads on `today`, the day it is queued (a late sweep says so)."""
    settings = get_settings()
    policy = load_policy()
    assert approval.id is not None and agreement.id is not None and approval.deadline
    deadline = danish_long_date(approval.deadline)
    when = deadline_phrase(approval.deadline, today)
    link = decision_url(agreement.id, body.key)
    if level == ESCALATION:
        recipients = [settings.manager_email]
        subject = f"Eskalering: {body.name} har ikke godkendt '{agreement.title}' – {when}"
        opening = (f"{body.name} har endnu ikke registreret en beslutning om "
                   f"samarbejdsaftalen '{agreement.title}', og fristen {deadline} er overskredet.")
    else:
        recipients = [body_address(body)]
        subject = f"{REMINDER_LABELS[level]}: godkendelse af '{agreement.title}' – {when}"
        opening = (f"Til {body.name}\n\nVi mangler endnu jeres beslutning om "
                   f"samarbejdsaftalen '{agreement.title}': {when}.")
    text = "\n".join([
        opening, "",
        f"Sagsnr.: {agreement.kle_number}   Sagsbehandler: {agreement.case_handler}",
        *_round_summary(session, agreement, body.id, memo),
        f"Fristregel: {policy.calendar.rule_text()}", "",
        "Sagens forløb:", *_timeline(session, agreement.id, memo=memo), "",
        *([] if level == ESCALATION else [ANSWER_LINK_LINE]),
        f"Registrér beslutningen her (log ind med jeres adgang): {link}", "",
        "Venlig hilsen", "aftaleflow",
    ])
    return PlannedMessage(key=reminder_key(level, approval.id, approval.round_no), kind=level,
                          agreement_id=agreement.id, approval_id=approval.id, party=body.name,
                          recipients=recipients, subject=subject, body=text, due_on=due_on,
                          deadline=approval.deadline, deadline_text=when)


def _messages(session: Session, today: date) -> list[PlannedMessage]:
    due = scan_due_reminders(session, today)
    approvals = {a.id: a for a in _by_id(session, Approval, [d[1] for d in due])}
    agreements = {a.id: a for a in _by_id(session, Agreement,
                                          [a.agreement_id for a in approvals.values()])}
    bodies = {b.id: b for b in _by_id(session, Body, [a.body_id for a in approvals.values()])}
    out = []
    memo: Memo = {}
    for level, approval_id, _round, day, _deadline in due:
        approval = approvals[approval_id]
        out.append(_compose(session, level, approval, agreements[approval.agreement_id],
                            bodies[approval.body_id], day, today, memo))
    return out


def _by_id(session: Session, model: type[M], ids: Iterable[int | None]) -> list[M]:
    wanted = sorted({i for i in ids if i is not None})
    found: list[M] = []
    key = col(getattr(model, "id"))  # noqa: B009  (every table here has an integer id)
    for start in range(0, len(wanted), 500):
        found.extend(session.exec(select(model).where(key.in_(wanted[start:start + 500]))))
    return found


def plan_reminders(ctx: ServiceContext, today: date | None = None) -> list[PlannedMessage]:
    """What would be sent today, without sending or queueing anything."""
    ctx.authorize("meeting.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        return _messages(uow.session, today or uow.now.date())


def enqueue_reminders(ctx: ServiceContext, today: date | None = None) -> list[PlannedMessage]:
    """Queue every due reminder once; returns what was queued now."""
    ctx.authorize("document.write")
    with UnitOfWork(ctx) as uow:
        planned = _messages(uow.session, today or uow.now.date())
        # in key order: two runs queueing the same keys wait for each other in one order,
        # never in a circle (a deadlock)
        new = {m.key for m in sorted(planned, key=lambda m: m.key) if enqueue(
            uow, key=m.key, kind=m.kind, recipients=m.recipients, subject=m.subject,
            body=m.body, agreement_id=m.agreement_id, approval_id=m.approval_id)}
        uow.commit()
        return [m for m in planned if m.key in new]


def enqueue_round_letters(ctx: ServiceContext) -> list[str]:
    """An anmodning om godkendelse to every party of every open round, once per party."""
    ctx.authorize("document.write")
    with UnitOfWork(ctx) as uow:
        s = uow.session
        rows = s.exec(select(Approval, Agreement, Body)
                      .join(Agreement, col(Agreement.id) == col(Approval.agreement_id))
                      .join(Body, col(Body.id) == col(Approval.body_id))
                      .where(Agreement.state == "i_godkendelse",
                             col(Approval.round_no) == col(Agreement.round_no))
                      .order_by(col(Approval.id))).all()
        keys = []
        for approval, agreement, body in rows:
            key = f"{ROUND_LETTER}:godkendelse:{approval.id}"
            if enqueue_round_letter(uow, approval, agreement, body, key):
                keys.append(key)
        uow.commit()
        return keys


def enqueue_round_letter(uow: UnitOfWork, approval: Approval, agreement: Agreement, body: Body,
                         key: str) -> bool:
    """One anmodning om godkendelse in the outbox (False: the key was queued before)."""
    s = uow.session
    assert agreement.id is not None
    policy = load_policy()
    deadline = danish_long_date(approval.deadline) if approval.deadline else "-"
    text = "\n".join([
        f"Til {body.name}", "",
        recommendation_sentence(forum_on(reader_of(s), agreement, uow.now.date()), agreement.title,
                                agreement.text_version)
        + " i alle kommunalbestyrelser og regionsrådet.", "",
        f"Vi beder om jeres skriftlige bekræftelse senest {deadline}.",
        f"Fristregel: {policy.calendar.rule_text()}",
        f"Sagsnr.: {agreement.kle_number}   Sagsbehandler: {agreement.case_handler}", "",
        *_round_summary(s, agreement, body.id), "",
        "Sagens forløb:", *_timeline(s, agreement.id), "",
        "Et udkast til dagsordenpunkt kan hentes og tilpasses jeres egen behandling.",
        ANSWER_LINK_LINE,
        "Registrér beslutningen her (log ind med jeres adgang): "
        f"{decision_url(agreement.id, body.key)}", "",
        "Venlig hilsen", "aftaleflow",
    ])
    return enqueue(uow, key=key, kind=ROUND_LETTER, recipients=[body_address(body)],
                   subject=f"Anmodning om godkendelse: {agreement.title} – frist {deadline}",
                   body=text, agreement_id=agreement.id, approval_id=approval.id)
