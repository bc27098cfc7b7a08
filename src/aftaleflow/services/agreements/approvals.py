"""Recording a party's decision in the current approval round (one transaction each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from aftaleflow.db import Prepared
from aftaleflow.domain.access import Role
from aftaleflow.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from aftaleflow.domain.machines import APPROVAL, DECISIONS
from aftaleflow.domain.model import Agreement, Approval, Body, Municipality
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements import lifecycle
from aftaleflow.services.agreements.cases import load_visible
from aftaleflow.services.agreements.decision_writes import (
    RoundMaySettle,
    can_write_and_commit,
    write_and_commit,
    write_decision,
)
from aftaleflow.services.agreements.read_model import view_of
from aftaleflow.services.structure.succession import refuse_carried_party, require_body_active
from aftaleflow.services.uow import ServiceContext, UnitOfWork, attach
from aftaleflow.services.views import AgreementView

_APPROVALS, _BODIES = Approval.__table__, Body.__table__  # type: ignore[attr-defined]
_APPROVAL_WIDTH = len(_APPROVALS.columns)
_BY_BODY_KEY = Prepared(
    sa_select(*_APPROVALS.columns, *_BODIES.columns)
    .join(_BODIES, _BODIES.c.id == _APPROVALS.c.body_id)
    .where(_APPROVALS.c.agreement_id == bindparam("b_agreement"),
           _APPROVALS.c.round_no == bindparam("b_round"),
           func.lower(_BODIES.c.key) == bindparam("b_key")).limit(1))


@dataclass(frozen=True)
class Decision:
    party: str
    decision: str
    meeting_date: date | None = None
    decided_on: date | None = None
    protocol_ref: str | None = None
    comment: str | None = None


def find_party_approval(session: Session, agreement: Agreement, party: str) -> Approval:
    """Find the current round's approval for a party given as body key, kommunekode or name."""
    ref = party.strip()
    # The body's key (how the API, the mails and the load name a party): one row, one query,
    # run under the agreement's lock, so as a plain row (an ORM query of two entities cost
    # more CPU than the rest of the locked part of a decision).
    row = _BY_BODY_KEY.first(session.connection(), {
        "b_agreement": agreement.id, "b_round": agreement.round_no, "b_key": ref.lower()})
    if row is not None:
        approval = attach(session, Approval, row[:_APPROVAL_WIDTH])
        body = attach(session, Body, row[_APPROVAL_WIDTH:])
        session.info.setdefault("bodies", []).append(body)  # held for apply_decision
        return approval
    approvals = lifecycle.current_approvals(session, agreement)
    if not approvals:
        raise NotFound(f"Samarbejdsaftale {agreement.id} har ingen godkendelsesrunde endnu.")
    by_body = {a.body_id: a for a in approvals}
    bodies = session.exec(select(Body).where(col(Body.id).in_(list(by_body)))).all()
    munis = {m.id: m for m in session.exec(select(Municipality).where(
        col(Municipality.id).in_([b.municipality_id for b in bodies if b.municipality_id])))}
    needle = ref.lower().removesuffix(" kommune")
    for body in bodies:
        muni = munis.get(body.municipality_id) if body.municipality_id else None
        names = {body.key.lower(), body.name.lower()}
        if muni:
            names |= {muni.code, muni.name.lower()}
        if body.kind == "regionsraad":
            names |= {"regionsrådet", "regionsraadet", "regionsråd", "region"}
        if needle in names:
            return by_body[body.id]  # type: ignore[index]
    refuse_carried_party(session, ref, agreement.round_no, set(by_body))
    raise NotFound(
        f"'{ref[:60]}' er ikke part i godkendelsesrunde {agreement.round_no} for "
        f"samarbejdsaftale {agreement.id}."
    )


def refuse_if_carried_over(ctx: ServiceContext, agreement_id: int, party: str) -> None:
    """A party that is not in the round because the carry-over passed its approval to a
    successor: refused naming the successor (e.g. an old request mail's link)."""
    with UnitOfWork(ctx, read_only=True) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        bodies = {a.body_id for a in lifecycle.current_approvals(uow.session, agreement)}
        refuse_carried_party(uow.session, party, agreement.round_no, set(bodies))


def record_decision(ctx: ServiceContext, agreement_id: int, decision: Decision, *,
                    expected_version: int | None = None) -> AgreementView:
    """A council's step: put on agenda, approve, reject, postpone or resume (with new date)."""
    ctx.authorize("approval.record")
    # Read without a lock: the agreement's row lock is taken by the decision's writes
    # (`decision_writes`), and the audit events are appended last, so the chain's lock
    # (every writer's, in every process) is held for the append and the commit only.
    try:
        return _record(ctx, agreement_id, decision, expected_version, in_one_go=True)
    except RoundMaySettle:  # the decision may settle the round: made again, in two steps
        return _record(ctx, agreement_id, decision, expected_version, in_one_go=False)


def _record(ctx: ServiceContext, agreement_id: int, decision: Decision,
            expected_version: int | None, *, in_one_go: bool) -> AgreementView:
    with UnitOfWork(ctx, audit_at_commit=True) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        approval = find_party_approval(uow.session, agreement, decision.party)
        principal = ctx.principal
        if principal.role == Role.PARTY and approval.body_id != principal.body_id:
            raise PermissionDenied(
                "Du kan kun registrere beslutninger for dit eget organ.")
        apply_decision(uow, agreement, approval, decision, expected_version=expected_version,
                       commit=in_one_go)

        def answer() -> AgreementView:
            return view_of(uow.reader, agreement, detail=True, principal=uow.ctx.principal,
                           today=uow.now.date())

        if ctx.engine.dialect.name != "postgresql":  # SQLite: a second transaction would
            return uow.commit_with(answer)          # take the write lock again to read
        # PostgreSQL: the answer is read after the commit, in a read of its own: every other
        # decision on the agreement queues for its row lock, held until the commit.
        if not uow.committed:
            uow.commit()
        return answer()


def apply_decision(uow: UnitOfWork, agreement: Agreement, approval: Approval,
                   decision: Decision, *, expected_version: int | None = None,
                   commit: bool = False) -> None:
    """The decision inside the caller's transaction (also used by an agenda item's beslutning).

    `commit`: the decision is the transaction's only change; where it can, it commits it
    with its writes (`decision_writes.write_and_commit`), else raises RoundMaySettle.
    """
    trigger = DECISIONS.get(decision.decision)
    if trigger is None:
        raise ValidationFailed(
            f"Ukendt beslutning '{decision.decision[:40]}'. Mulige: {', '.join(DECISIONS)}."
        )
    comment = clean_text(decision.comment, "kommentar", max_len=5000) if decision.comment else None
    protocol = (clean_text(decision.protocol_ref, "protokolhenvisning", max_len=300,
                           single_line=True) if decision.protocol_ref else None)
    if expected_version is not None and approval.version != expected_version:
        raise Conflict(
            f"Godkendelsen er ændret af en anden (version {approval.version}); den er nu "
            f"'{APPROVAL.label_of(approval.state)}'. Intet er gemt.",
            current_state=approval.state, current_version=approval.version,
        )
    facts = {
        "round_open": agreement.state == "i_godkendelse"
        and approval.round_no == agreement.round_no,
        "has_meeting_date": decision.meeting_date is not None,
    }
    body = uow.session.get(Body, approval.body_id)
    assert body is not None
    # The carry-over moves a pending approval of an open round only: elsewhere it is no way on.
    movable = facts["round_open"] and not APPROVAL.state(approval.state).final
    require_body_active(uow.session, body,
                        decision.decided_on or decision.meeting_date or uow.now.date(),
                        carry_over_moves_it=movable)
    source = approval.state
    dest = APPROVAL.next_state(source, trigger, facts)
    APPROVAL.require_reason(trigger, comment)
    changes = {
        "state": dest,
        "meeting_date": decision.meeting_date or approval.meeting_date,
        "decided_on": (decision.decided_on or decision.meeting_date or uow.now.date())
        if APPROVAL.state(dest).final else approval.decided_on,
        "protocol_ref": protocol or approval.protocol_ref,
        "comment": comment or approval.comment,
        "updated_at": uow.now,
    }
    def record() -> None:
        uow.record(entity="approval", entity_id=approval.id, agreement_id=agreement.id,
                   trigger=trigger, from_state=source, to_state=dest,
                   comment=f"{body.name}" + (f": {comment}" if comment else ""))

    if commit and can_write_and_commit(uow, agreement):
        record()
        write_and_commit(uow, agreement, approval, changes)  # or RoundMaySettle
        return
    round_states = write_decision(uow, agreement, approval, changes)
    record()
    # The round's outcome: all godkendt -> godkendt; any afvist -> genforhandling.
    lifecycle.settle(uow, agreement, round_states)
