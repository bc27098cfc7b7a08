"""Councils deciding at the same moment: a decision takes the agreement's lock only for its
writes, yet the last approval of a round always settles it, once, and a decision on an
approval changed since it was read writes nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from aftaleflow.domain.errors import Conflict, DomainError
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView
from tests.conftest import BACKEND
from tests.factories import PATHS, new_agreement

MEETING = date(2026, 3, 10)


def _round(ctx: ServiceContext) -> AgreementView:
    view = new_agreement(ctx)
    for trigger in PATHS["i_godkendelse"]:
        view = advance_agreement(ctx, view.id, trigger)
    return view


def _all_at_once(ctx: ServiceContext, agreement_id: int, decisions: list[Decision]
                 ) -> list[str]:
    barrier = threading.Barrier(len(decisions))

    def decide(decision: Decision) -> str:
        barrier.wait(timeout=20)
        try:
            record_decision(ctx, agreement_id, decision)
        except DomainError as exc:
            return type(exc).__name__
        return "ok"

    with ThreadPoolExecutor(len(decisions)) as pool:
        return list(pool.map(decide, decisions))


@pytest.mark.parametrize("repeat", range(3))
def test_the_last_approvals_of_a_round_given_at_once_settle_it_once(
        ctx: ServiceContext, repeat: int) -> None:
    view = _round(ctx)
    parties = [a.body_key for a in view.approvals]
    for party in parties[:-3]:
        record_decision(ctx, view.id, Decision(party, "godkendt", meeting_date=MEETING))
    results = _all_at_once(ctx, view.id, [Decision(p, "godkendt", meeting_date=MEETING)
                                          for p in parties[-3:]])
    assert results == ["ok"] * 3
    final = get_agreement(ctx, view.id)
    assert final.state == "godkendt"
    assert {a.state for a in final.approvals} == {"godkendt"}
    assert final.version == view.version + len(parties) + 1  # each decision, then the round
    assert verify_chain(ctx).ok


def test_a_rejection_and_an_approval_at_once_send_the_round_to_renegotiation(
        ctx: ServiceContext) -> None:
    view = _round(ctx)
    parties = [a.body_key for a in view.approvals]
    for party in parties[:-2]:
        record_decision(ctx, view.id, Decision(party, "godkendt", meeting_date=MEETING))
    results = _all_at_once(ctx, view.id, [
        Decision(parties[-2], "godkendt", meeting_date=MEETING),
        Decision(parties[-1], "afvist", meeting_date=MEETING, comment="Økonomien holder ikke")])
    # the approval either came first, or found the round already closed by the rejection
    assert results[1] == "ok" and results[0] in ("ok", "GuardFailed", "Conflict"), results
    assert get_agreement(ctx, view.id).state == "genforhandling"
    assert verify_chain(ctx).ok


def test_one_party_decided_twice_at_once_is_recorded_once(ctx: ServiceContext) -> None:
    view = _round(ctx)
    party = view.approvals[0].body_key
    results = _all_at_once(ctx, view.id, [Decision(party, "godkendt", meeting_date=MEETING),
                                          Decision(party, "godkendt", meeting_date=MEETING)])
    assert sorted(results) in (["Conflict", "ok"], ["GuardFailed", "ok"],
                               ["TransitionNotAllowed", "ok"]), results
    final = get_agreement(ctx, view.id)
    assert final.version == view.version + 1
    assert [a.state for a in final.approvals if a.body_key == party] == ["godkendt"]
    assert verify_chain(ctx).ok


def test_a_decision_on_an_approval_changed_since_it_was_read_writes_nothing(
        ctx: ServiceContext) -> None:
    view = _round(ctx)
    approval = view.approvals[0]
    record_decision(ctx, view.id, Decision(approval.body_key, "dagsorden",
                                           meeting_date=MEETING))
    with pytest.raises(Conflict):
        record_decision(ctx, view.id, Decision(approval.body_key, "godkendt",
                                               meeting_date=MEETING),
                        expected_version=approval.version)
    assert get_agreement(ctx, view.id).version == view.version + 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="psycopg's pipeline: PostgreSQL only")
def test_decisions_commit_with_their_writes_and_the_round_settles_on_the_two_step_way(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from aftaleflow.services.agreements import approvals, decision_writes

    ways: list[str] = []
    one_go, two_steps = decision_writes.write_and_commit, decision_writes.write_decision

    def in_one_go(*args: object) -> None:
        try:
            one_go(*args)  # type: ignore[arg-type]
        except decision_writes.RoundMaySettle:
            ways.append("afbrudt")
            raise
        ways.append("én tur")

    def in_two_steps(*args: object) -> list[str]:
        ways.append("to trin")
        return two_steps(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(approvals, "write_and_commit", in_one_go)
    monkeypatch.setattr(approvals, "write_decision", in_two_steps)
    view = _round(ctx)
    for approval in view.approvals:
        record_decision(ctx, view.id, Decision(approval.body_key, "godkendt",
                                               meeting_date=MEETING))
    last = len(view.approvals) - 1
    assert ways == ["én tur"] * last + ["afbrudt", "to trin"]
    final = get_agreement(ctx, view.id)
    assert final.state == "godkendt"
    assert final.version == view.version + len(view.approvals) + 1
    assert verify_chain(ctx).ok


@pytest.mark.skipif(BACKEND != "postgresql", reason="psycopg's pipeline: PostgreSQL only")
def test_the_same_partys_decision_committed_between_the_read_and_the_write_wins_alone(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other decision leaves the approval at the very version this one would write; this
    one's UPDATE changes nothing, and it must not commit as if it had (found by the test
    above, now and then: both answered 'ok')."""
    from aftaleflow.domain.model import AuditEvent
    from aftaleflow.services.agreements import approvals

    view = _round(ctx)
    party = view.approvals[0].body_key
    one_go = approvals.write_and_commit
    raced: list[str] = []

    def after_the_other(*args: object) -> None:
        if not raced:  # this decision has read the approval; another commits first
            raced.append("ja")
            with ThreadPoolExecutor(1) as other:
                other.submit(record_decision, ctx, view.id,
                             Decision(party, "godkendt", meeting_date=MEETING)).result()
        one_go(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(approvals, "write_and_commit", after_the_other)
    with pytest.raises(DomainError):
        record_decision(ctx, view.id, Decision(party, "godkendt", meeting_date=MEETING))
    final = get_agreement(ctx, view.id)
    assert final.version == view.version + 1  # the other decision's, alone
    assert [a.state for a in final.approvals if a.body_key == party] == ["godkendt"]
    with ctx.engine.connect() as conn:
        from sqlalchemy import func, select

        events = conn.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "approval", AuditEvent.to_state == "godkendt")).scalar_one()
    assert events == 1
    assert verify_chain(ctx).ok
