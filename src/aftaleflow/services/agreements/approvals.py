"""Recording a party's decision in the current approval round (one transaction each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from aftaleflow.domain.access import Role
from aftaleflow.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from aftaleflow.domain.machines import APPROVAL, DECISIONS
from aftaleflow.domain.model import Agreement, Approval, Body, Municipality
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements import lifecycle
from aftaleflow.services.agreements.cases import load_visible
from aftaleflow.services.agreements.read_model import view_of
from aftaleflow.services.structure.succession import refuse_carried_party, require_body_active
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView


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
    # The body's key (how the API, the mails and the load name a party): one row, one query.
    found = session.exec(select(Approval, Body).join(Body, col(Body.id) == Approval.body_id)
                         .where(Approval.agreement_id == agreement.id,
                                Approval.round_no == agreement.round_no,
                                func.lower(Body.key) == ref.lower())).first()
    if found is not None:
        session.info.setdefault("bodies", []).append(found[1])  # held for apply_decision
        return found[0]
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
    # The audit events are appended last, so the chain's lock (every writer's, in every
    # process) is held for the append and the commit only.
    with UnitOfWork(ctx, audit_at_commit=True) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id, lock=True)
        approval = find_party_approval(uow.session, agreement, decision.party)
        principal = ctx.principal
        if principal.role == Role.PARTY and approval.body_id != principal.body_id:
            raise PermissionDenied(
                "Du kan kun registrere beslutninger for dit eget organ.")
        apply_decision(uow, agreement, approval, decision, expected_version=expected_version)

        def answer() -> AgreementView:
            return view_of(uow.reader, agreement, detail=True, principal=uow.ctx.principal,
                           today=uow.now.date())

        if ctx.engine.dialect.name != "postgresql":  # SQLite: a second transaction would
            return uow.commit_with(answer)          # take the write lock again to read
        # PostgreSQL: the answer is read after the commit, in a read of its own: every other
        # decision on the agreement queues for its row lock, held until the commit.
        uow.commit()
        return answer()


def apply_decision(uow: UnitOfWork, agreement: Agreement, approval: Approval,
                   decision: Decision, *, expected_version: int | None = None) -> None:
    """The decision inside the caller's transaction (also used by an agenda item's beslutning)."""
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
    approval.state = dest
    if decision.meeting_date is not None:
        approval.meeting_date = decision.meeting_date
    if APPROVAL.state(approval.state).final:
        approval.decided_on = decision.decided_on or decision.meeting_date or uow.now.date()
    approval.protocol_ref = protocol or approval.protocol_ref
    approval.comment = comment or approval.comment
    approval.updated_at = uow.now
    uow.session.add(approval)
    uow.record(entity="approval", entity_id=approval.id, agreement_id=agreement.id,
               trigger=trigger, from_state=source, to_state=approval.state,
               comment=f"{body.name}" + (f": {comment}" if comment else ""))
    # The round's outcome: all godkendt -> godkendt; any afvist -> genforhandling.
    agreement.updated_at = uow.now
    uow.session.add(agreement)
    lifecycle.settle(uow, agreement)
