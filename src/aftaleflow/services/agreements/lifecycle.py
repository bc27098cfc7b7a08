"""Firing triggers inside a unit of work: guards from the database, effects on entry, audit.

The machine declarations say *what* may happen; this module computes the guard facts the
declarations name, runs the named entry effects (`State.on_enter`), and settles automatic
transitions (all councils approved -> godkendt) so every service gets them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert
from sqlmodel import Session, col, select

from aftaleflow.db import Prepared
from aftaleflow.domain.calendar import danish_long_date
from aftaleflow.domain.deadlines import (
    fixed_deadline_of_round,
    load_policy,
    refuse_past_deadline,
)
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.machines import (
    AGREEMENT,
    APPROVAL,
    IMPLEMENTATION,
    ROUND_START,
    starts_round,
)
from aftaleflow.domain.model import (
    Agreement,
    AgreementParty,
    Approval,
    Body,
    Cluster,
    Implementation,
    Region,
)
from aftaleflow.domain.rounds import (
    Certainty,
    approving_bodies,
    implementing_areas,
    uncertain_parties,
)
from aftaleflow.services.agreements.text_rows import stamp_round_text
from aftaleflow.services.structure.masterdata import snapshot
from aftaleflow.services.uow import UnitOfWork

SYSTEM_ACTOR = "system"
_APPROVALS = Approval.__table__  # type: ignore[attr-defined]
_INSERT_APPROVALS = Prepared(insert(_APPROVALS))
_ROUND_STATES = select(_APPROVALS.c.state).where(
    _APPROVALS.c.agreement_id == bindparam("a"), _APPROVALS.c.round_no == bindparam("r"))


def current_approvals(session: Session, agreement: Agreement) -> list[Approval]:
    return list(session.exec(
        select(Approval).where(Approval.agreement_id == agreement.id,
                               Approval.round_no == agreement.round_no)
        .order_by(col(Approval.id))
    ).all())


def implementations(session: Session, agreement: Agreement) -> list[Implementation]:
    return list(session.exec(
        select(Implementation).where(Implementation.agreement_id == agreement.id)
        .order_by(col(Implementation.id))
    ).all())


def _region_and_area(session: Session, agreement: Agreement) -> tuple[Region, str | None]:
    region = session.get(Region, agreement.region_id)
    assert region is not None
    if agreement.origin_cluster_id is None:
        return region, None
    area = session.get(Cluster, agreement.origin_cluster_id)
    return region, area.key if area else None


def named_parties(session: Session, agreement: Agreement) -> list[int]:
    """Municipality ids the case handler chose as parties (empty for most kinds)."""
    return list(session.exec(select(AgreementParty.municipality_id).where(
        AgreementParty.agreement_id == agreement.id).order_by(col(AgreementParty.id))).all())


def _round_plan(uow: UnitOfWork, agreement: Agreement) -> list[int]:
    return _round_plan_marked(uow, agreement)[0]


def _round_plan_marked(uow: UnitOfWork, agreement: Agreement
                       ) -> tuple[list[int], dict[int, Certainty]]:
    """Who must approve, and which of them are asked on data not confirmed (with source).

    Worked out once per transaction: the guard and the effect both ask.
    """
    key = ("round_plan", agreement.id, uow.now.date())
    if key not in uow.memo:
        region, area = _region_and_area(uow.session, agreement)
        snap = snapshot(uow.session, uow.now.date())
        named = named_parties(uow.session, agreement)
        bodies = approving_bodies(snap, agreement.kind, region.key, area, named)
        uow.memo[key] = (bodies, uncertain_parties(snap, agreement.kind, region.key, area,
                                                   named))
    plan: tuple[list[int], dict[int, Certainty]] = uow.memo[key]
    return plan


def _agreement_facts(uow: UnitOfWork, agreement: Agreement, needed: set[str]) -> dict[str, bool]:
    facts: dict[str, bool] = {}
    if "has_approvers" in needed:
        facts["has_approvers"] = bool(_round_plan(uow, agreement))
    if needed & {"all_approved", "any_rejected"}:
        facts |= round_facts(list(uow.session.connection().execute(
            _ROUND_STATES, {"a": agreement.id, "r": agreement.round_no}).scalars()))
    if "all_implemented" in needed:
        states = [i.state for i in implementations(uow.session, agreement)
                  if i.ended_on is None]  # an ended row lives on in its successor
        facts["all_implemented"] = bool(states) and all(s == "implementeret" for s in states)
    return facts


def fire_agreement(uow: UnitOfWork, agreement: Agreement, trigger: str, *,
                   comment: str | None = None, automatic: bool = False,
                   deadline: date | None = None) -> None:
    """Move the agreement by `trigger`, run the entry effect, audit, then settle.

    `deadline`: a fixed approval deadline for the round this trigger starts (none: the
    deadline policy counts from the round's own start day).
    """
    facts = _agreement_facts(uow, agreement, AGREEMENT.guards_of(trigger))
    source = agreement.state
    dest = AGREEMENT.next_state(source, trigger, facts, allow_automatic=automatic)
    AGREEMENT.require_reason(trigger, comment)
    effect = AGREEMENT.state(dest).on_enter
    if deadline is not None and effect != ROUND_START:
        raise ValidationFailed(
            "En frist kan kun gives, når en godkendelsesrunde starter "
            f"({', '.join(t for t in AGREEMENT.triggers if starts_round(t))}). Intet er ændret.")
    changes = _EFFECTS[effect](uow, agreement, deadline) if effect else {}
    if deadline is not None:
        given = (f"Fast frist for godkendelsesrunde {changes['round_no']}: "
                 f"{danish_long_date(deadline)}")
        comment = f"{comment}; {given}" if comment else given
    uow.save(agreement, state=dest, updated_at=uow.now, **changes)
    uow.record(entity="agreement", entity_id=agreement.id, agreement_id=agreement.id,
               trigger=trigger, from_state=source, to_state=dest, comment=comment,
               actor=SYSTEM_ACTOR if automatic else None)
    settle(uow, agreement)


APPROVED, REJECTED = "godkendt", "afvist"
ROUND_GUARDS = frozenset({"all_approved", "any_rejected"})


def round_facts(states: list[str]) -> dict[str, bool]:
    """The round's outcome from its approvals' states: all godkendt, or any afvist (the
    same rule, in SQL, decides whether a decision can commit in one round trip:
    `decision_writes._STILL_OPEN`)."""
    return {"all_approved": bool(states) and all(s == APPROVED for s in states),
            "any_rejected": any(s == REJECTED for s in states)}


def settle(uow: UnitOfWork, agreement: Agreement,
           round_states: list[str] | None = None) -> None:
    """Fire the first automatic transition whose guards hold, until none does.

    `round_states`: the round's approval states, when the caller has just read them.
    """
    transitions = AGREEMENT.automatic_transitions_from(agreement.state)
    if not transitions:
        return
    needed = {g for t in transitions for g in t.guards}
    if round_states is not None and needed <= ROUND_GUARDS:
        facts = round_facts(round_states)
    else:
        facts = _agreement_facts(uow, agreement, needed)
    for transition in transitions:
        if all(facts.get(g) for g in transition.guards):
            fire_agreement(uow, agreement, transition.trigger, automatic=True)
            return


def _start_approval_round(uow: UnitOfWork, agreement: Agreement,
                          deadline: date | None) -> dict[str, Any]:
    """A new round: a new version of the text after a renegotiation; old rounds are kept.

    The round's deadlines are its own: the fixed deadline given for this round (now, or when
    the agreement was made for its first round), else the policy counted from today, the
    round's start day; never a day already past. The approvals go in as one multi-row
    INSERT; each party's deadline is worked out once per kind of body (they share the
    policy, so 22 councils share one date). Returns the agreement's new round and text
    version (and a newly given fixed deadline), written with its state in one UPDATE.
    """
    assert agreement.id is not None
    start, round_no = uow.now.date(), agreement.round_no + 1
    fixed = deadline or fixed_deadline_of_round(
        agreement.approval_deadline, agreement.approval_deadline_round, round_no)
    if fixed is not None:
        refuse_past_deadline(fixed, start, round_no)
    bodies, marks = _round_plan_marked(uow, agreement)
    conn = uow.session.connection()  # Core: no autoflush of the half-changed agreement
    kinds: dict[int, str] = dict(conn.execute(select(Body.id, Body.kind).where(
        col(Body.id).in_(bodies))).all())
    policy = load_policy()
    deadlines = {kind: fixed or policy.approval_deadline(start, agreement.kind, kind).date
                 for kind in set(kinds.values())}
    changes: dict[str, Any] = {
        "round_no": round_no,
        "text_version": agreement.text_version + (1 if agreement.round_no > 0 else 0)}
    if deadline is not None:
        changes |= {"approval_deadline": deadline, "approval_deadline_round": round_no}
    stamp_round_text(conn, agreement, changes["round_no"], changes["text_version"], uow.now)
    if bodies:
        _INSERT_APPROVALS.run_many(conn, [
            {"agreement_id": agreement.id, **changes, "body_id": body_id,
             "state": APPROVAL.states[0].name, "deadline": deadlines[kinds[body_id]],
             "updated_at": uow.now, "version": 1,
             "certainty": marks[body_id][0] if body_id in marks else None,
             "certainty_source": marks[body_id][1] if body_id in marks else None}
            for body_id in bodies])
    return changes


def _create_implementations(uow: UnitOfWork, agreement: Agreement,
                            _deadline: date | None = None) -> dict[str, Any]:
    session = uow.session
    assert agreement.id is not None
    existing = {i.cluster_id for i in implementations(session, agreement)}
    region, area = _region_and_area(session, agreement)
    keys = implementing_areas(snapshot(session, uow.now.date()), agreement.kind, region.key, area,
                              named_parties(session, agreement))
    if not keys:
        raise ValidationFailed(
            f"Stamdata har ingen klynger at implementere i for {region.name} på "
            f"{uow.now.date()}."
        )
    clusters = session.exec(select(Cluster).where(col(Cluster.key).in_(keys))).all()
    for cluster in sorted(clusters, key=lambda c: keys.index(c.key)):
        if cluster.id is not None and cluster.id not in existing:
            session.add(Implementation(agreement_id=agreement.id, cluster_id=cluster.id,
                                       state=IMPLEMENTATION.states[0].name, updated_at=uow.now))
    session.flush()
    return {}


_EFFECTS: dict[str, Callable[[UnitOfWork, Agreement, date | None], dict[str, Any]]] = {
    ROUND_START: _start_approval_round,
    "create_implementations": _create_implementations,
}
