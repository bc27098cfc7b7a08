"""Carrying open cases over a structure change (e.g. 1 January 2027), as master data says.

`plan_carry_over` lists, per open case, what the change touches; `carry_over` applies exactly
that, one transaction per case, with an audit event per change naming old and new. A second
run finds nothing left to move. Who succeeds whom is read from the `succession` rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from aftaleflow.config import get_settings
from aftaleflow.domain.calendar import danish_long_date
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.machines import AGREEMENT, APPROVAL, IMPLEMENTATION
from aftaleflow.domain.model import (
    Agreement,
    Approval,
    AuditEvent,
    Body,
    Cluster,
    Implementation,
    Region,
    Succession,
)
from aftaleflow.domain.succession import (
    CarryOverReport,
    CaseCarryOver,
    Change,
    SuccessionLine,
    Successions,
    ceased,
    merged_state,
)
from aftaleflow.services.mail.links import ANSWER_LINK_LINE, decision_url
from aftaleflow.services.mail.outbox import enqueue
from aftaleflow.services.mail.reminders import body_address
from aftaleflow.services.uow import ServiceContext, UnitOfWork

CARRY_TRIGGERS = ("overfoer_region", "overfoer_omraade", "overfoer_godkendelse",
                  "overfoer_implementering")
CARRY_OVER_REPORT = "overfoersel"
OPEN_STATES = tuple(s.name for s in AGREEMENT.states if not s.final)
PENDING = tuple(s.name for s in APPROVAL.states if not s.final)


def load_successions(session: Session) -> Successions:
    return Successions(tuple(
        SuccessionLine(entity=s.entity, predecessor=s.predecessor_key, successor=s.successor_key,
                       valid_from=s.valid_from, confirmed=s.confirmed, source=s.source)
        for s in session.exec(select(Succession).order_by(col(Succession.id)))))


Row = Region | Cluster | Body
Action = Callable[[UnitOfWork], None]


class _Structure:
    """Regions, areas and bodies by id and key, with their successions (one load per call)."""

    def __init__(self, session: Session, on: date) -> None:
        self.on = on
        self.succ = load_successions(session)
        self.regions = {r.id: r for r in session.exec(select(Region))}
        self.areas = {a.id: a for a in session.exec(select(Cluster))}
        self.bodies = {b.id: b for b in session.exec(select(Body))}
        self.by_key: dict[str, dict[str, Row]] = {
            "region": {r.key: r for r in self.regions.values()},
            "area": {a.key: a for a in self.areas.values()},
            "body": {b.key: b for b in self.bodies.values()},
        }

    def successors(self, entity: str, row: Row) -> list[Row]:
        """Rows that take over from `row` on the day, [] if it has none or has not ceased."""
        if not ceased(row.valid_to, self.on):
            return []
        keys = self.succ.successors(entity, row.key, self.on) or []
        return [self.by_key[entity][k] for k in keys if k in self.by_key[entity]]




@dataclass
class _CasePlan:
    report: CaseCarryOver
    actions: list[Action]


def _names(rows: list[Row]) -> list[str]:
    return [r.name for r in rows]


@dataclass
class _Draft:
    """What one case's carry-over collects: the report lines and the actions that apply them."""

    changes: list[Change] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    def add(self, change: Change, action: Action) -> None:
        self.changes.append(change)
        self.actions.append(action)


def _plan_case(session: Session, s: _Structure, a: Agreement) -> _CasePlan | None:
    draft = _Draft()
    region = s.regions[a.region_id]
    _plan_region_and_home(s, a, region, draft)
    # Only an open round has approvals still owed; a closed round's are history.
    if a.state == "i_godkendelse":
        _plan_approvals(session, s, a, draft)
    _plan_implementations(session, s, a, draft)
    if not draft.changes and not draft.unresolved:
        return None
    assert a.id is not None
    report = CaseCarryOver(
        agreement_id=a.id, title=a.title, state_label=AGREEMENT.label_of(a.state),
        region=region.name, changes=draft.changes, kept=draft.kept,
        unresolved=draft.unresolved)
    return _CasePlan(report, draft.actions)


def _plan_region_and_home(s: _Structure, a: Agreement, region: Region, draft: _Draft) -> None:
    assert a.id is not None
    new_region = s.successors("region", region)
    if new_region:
        draft.add(Change("region", a.id, region.name, _names(new_region[:1]),
                         "rettigheder og pligter overgår"),
                  _move(a, "region_id", "overfoer_region", region.name, new_region[0]))
    elif ceased(region.valid_to, s.on):
        draft.unresolved.append(f"{region.name} er ophørt uden efterfølger i stamdata")
    home = s.areas.get(a.origin_cluster_id) if a.origin_cluster_id else None
    new_home = s.successors("area", home) if home is not None else []
    if home is not None and new_home:
        draft.add(Change("hjemområde", a.id, home.name, _names(new_home[:1])),
                  _move(a, "origin_cluster_id", "overfoer_omraade", home.name, new_home[0]))


def _plan_approvals(session: Session, s: _Structure, a: Agreement, draft: _Draft) -> None:
    for approval in _current_round(session, a):
        body = s.bodies[approval.body_id]
        if approval.state not in PENDING:
            day = approval.decided_on.isoformat() if approval.decided_on else ""
            draft.kept.append(f"{body.name}: {APPROVAL.label_of(approval.state).lower()} {day}"
                              .rstrip())
            continue
        successor = s.successors("body", body)
        if successor:
            deadline = approval.deadline.isoformat() if approval.deadline else "ingen"
            draft.add(Change("godkendelse", approval.id or 0, body.name, _names(successor[:1]),
                             f"frist {deadline} bevares"),
                      _move_approval(a, approval, body, successor[0]))
        elif ceased(body.valid_to, s.on):
            draft.unresolved.append(
                f"{body.name} er ophørt uden efterfølger; godkendelsen afventer")


def _plan_implementations(session: Session, s: _Structure, a: Agreement,
                          draft: _Draft) -> None:
    for impl in _implementations(session, a):
        area = s.areas[impl.cluster_id]
        targets = s.successors("area", area)
        if targets:
            draft.add(Change("implementering", impl.id or 0, area.name, _names(targets),
                             IMPLEMENTATION.label_of(impl.state).lower()),
                      _move_implementation(a, impl, area, targets))


def _current_round(session: Session, a: Agreement) -> list[Approval]:
    return list(session.exec(select(Approval).where(
        Approval.agreement_id == a.id, Approval.round_no == a.round_no)
        .order_by(col(Approval.id))))


def _implementations(session: Session, a: Agreement) -> list[Implementation]:
    return list(session.exec(select(Implementation).where(
        Implementation.agreement_id == a.id).order_by(col(Implementation.id))))


def _audit(uow: UnitOfWork, a: Agreement, entity: str, entity_id: int | None, trigger: str,
           state: str, comment: str) -> None:
    uow.record(entity=entity, entity_id=entity_id, agreement_id=a.id, trigger=trigger,
               from_state=state, to_state=state,
               comment=f"Overført ved strukturændringen: {comment}")


def _move(a: Agreement, column: str, trigger: str, old_name: str, new: Row) -> Action:
    """The agreement's region or home area becomes its successor, with its audit event."""
    def run(uow: UnitOfWork) -> None:
        assert new.id is not None
        setattr(a, column, new.id)
        _audit(uow, a, "agreement", a.id, trigger, a.state, f"{old_name} → {new.name}")
    return run


def _move_approval(a: Agreement, approval: Approval, old: Body,
                   new: Row) -> Action:
    def run(uow: UnitOfWork) -> None:
        assert new.id is not None
        approval.body_id = new.id
        approval.updated_at = uow.now
        uow.session.add(approval)
        deadline = approval.deadline.isoformat() if approval.deadline else "ingen"
        _audit(uow, a, "approval", approval.id, "overfoer_godkendelse", approval.state,
               f"{old.name} → {new.name}; frist {deadline} bevaret")
        _request_successor(uow, a, approval, old, new)
    return run


def _request_successor(uow: UnitOfWork, a: Agreement, approval: Approval, old: Body,
                       new: Row) -> None:
    """The successor body gets the request its predecessor had, with the same deadline."""
    assert isinstance(new, Body)
    deadline = danish_long_date(approval.deadline) if approval.deadline else "-"
    text = "\n".join([
        f"Til {new.name}", "",
        f"Godkendelsen af samarbejdsaftalen '{a.title}' (version {approval.text_version}) "
        f"afventede {old.name}, som er ophørt. Den overgår til jer med samme frist: "
        f"{deadline}.", "", ANSWER_LINK_LINE,
        "Registrér beslutningen her (log ind med jeres adgang): "
        f"{decision_url(a.id or 0, new.key)}", "", "Venlig hilsen", "aftaleflow"])
    enqueue(uow, key=f"{CARRY_OVER_REPORT}:godkendelse:{approval.id}:{new.key}",
            kind="anmodning_om_godkendelse", recipients=[body_address(new)],
            subject=f"Anmodning om godkendelse (overført fra {old.name}): {a.title} – frist "
                    f"{deadline}", body=text, agreement_id=a.id, approval_id=approval.id)


def _move_implementation(a: Agreement, impl: Implementation, old: Cluster,
                         targets: list[Row]) -> Action:
    """The first successor area takes the row; further areas get a copy; equal areas merge."""
    def run(uow: UnitOfWork) -> None:
        session = uow.session
        existing = {i.cluster_id: i for i in _implementations(session, a) if i is not impl}
        keep_row = False
        for target in targets:
            assert target.id is not None
            other = existing.get(target.id)
            if other is not None:
                other.state = merged_state(other.state, impl.state)
                other.updated_at = uow.now
                session.add(other)
            elif not keep_row:
                impl.cluster_id, keep_row = target.id, True
                impl.updated_at = uow.now
                session.add(impl)
            else:
                session.add(Implementation(
                    agreement_id=impl.agreement_id, cluster_id=target.id, state=impl.state,
                    started_on=impl.started_on, completed_on=impl.completed_on,
                    comment=f"Videreført fra {old.name}", updated_at=uow.now))
        if not keep_row:
            session.delete(impl)
        session.flush()
        _audit(uow, a, "implementation", impl.id, "overfoer_implementering", impl.state,
               f"{old.name} → {' og '.join(t.name for t in targets)}")
    return run


def _open_ids(session: Session) -> list[int]:
    return [i for i in session.exec(select(Agreement.id).where(
        col(Agreement.state).in_(OPEN_STATES)).order_by(col(Agreement.id))) if i is not None]


def plan_carry_over(ctx: ServiceContext, on: date) -> CarryOverReport:
    """What a carry-over on `on` would change, per open case; writes nothing."""
    ctx.authorize("document.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        s = _Structure(uow.session, on)
        cases = [p.report for i in _open_ids(uow.session)
                 if (p := _plan_case(uow.session, s, _agreement(uow.session, i))) is not None]
    return CarryOverReport(on=on, dry_run=True, cases=cases)


def _agreement(session: Session, agreement_id: int, *, lock: bool = False) -> Agreement:
    a = session.get(Agreement, agreement_id, with_for_update=lock)
    assert a is not None
    return a


def carry_over(ctx: ServiceContext, on: date, today: date | None = None) -> CarryOverReport:
    """Apply the carry-over: one transaction per case; run again, it changes nothing."""
    ctx.authorize("masterdata.admin")
    today = today or ctx.now().date()
    if today < on:
        raise ValidationFailed(
            f"Overførslen til strukturen pr. {on.isoformat()} kan først udføres den dag "
            f"(i dag er {today.isoformat()}). Brug --dry-run for at se, hvad den vil ændre.")
    with UnitOfWork(ctx, read_only=True) as uow:
        ids = _open_ids(uow.session)
    done: list[CaseCarryOver] = []
    for agreement_id in ids:
        with UnitOfWork(ctx) as uow:
            a = _agreement(uow.session, agreement_id, lock=True)
            plan = _plan_case(uow.session, _Structure(uow.session, on), a)
            if plan is None or not plan.actions:
                continue
            for action in plan.actions:
                action(uow)
            a.updated_at = uow.now
            uow.session.add(a)
            uow.commit()
        done.append(CaseCarryOver(**{**plan.report.__dict__, "applied": True}))
    return CarryOverReport(on=on, dry_run=False, cases=done)


def succession_days(ctx: ServiceContext) -> list[date]:
    """The days of structure changes in master data (e.g. 2027-01-01), in order."""
    with UnitOfWork(ctx, read_only=True) as uow:
        return sorted({s.valid_from for s in load_successions(uow.session).lines})


def due_days(ctx: ServiceContext, today: date) -> list[date]:
    """The days of structure changes that have come (for the daily sweep)."""
    return [d for d in succession_days(ctx) if d <= today]


def carry_over_and_report(ctx: ServiceContext, today: date | None = None) -> list[str]:
    """Apply every carry-over whose day has come and mail the manager each report that changed
    something, once (the outbox key holds the report's digest). Returns the keys queued."""
    day = today or ctx.now().date()
    queued: list[str] = []
    for on in due_days(ctx, day):
        report = carry_over(ctx, on, today=day)
        if not report.cases:
            continue
        text = "\n".join([*report.lines(), "", "Venlig hilsen", "aftaleflow"])
        key = f"{CARRY_OVER_REPORT}:{on.isoformat()}:" \
              f"{hashlib.sha256(text.encode()).hexdigest()[:16]}"
        with UnitOfWork(ctx) as uow:
            if enqueue(uow, key=key, kind=CARRY_OVER_REPORT,
                       recipients=[get_settings().manager_email],
                       subject=f"Overførsel af åbne sager til strukturen pr. {on.isoformat()}",
                       body=text):
                queued.append(key)
            uow.commit()
    return queued


@dataclass(frozen=True)
class CarriedEvent:
    agreement_id: int
    title: str
    at: str
    actor: str
    text: str


def carried_over_events(ctx: ServiceContext) -> list[CarriedEvent]:
    """What earlier carry-overs did, read back from the audit trail (for the dashboard)."""
    ctx.authorize("document.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        rows = uow.session.exec(
            select(AuditEvent, Agreement).join(Agreement, col(Agreement.id) ==
                                               AuditEvent.agreement_id)
            .where(col(AuditEvent.trigger).in_(CARRY_TRIGGERS))
            .order_by(col(AuditEvent.id)))
        return [CarriedEvent(agreement_id=a.id or 0, title=a.title, at=e.at, actor=e.actor,
                             text=(e.comment or "").removeprefix(
                                 "Overført ved strukturændringen: "))
                for e, a in rows]
