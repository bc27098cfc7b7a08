"""Every allowed and every forbidden transition of the three machines, through the services.

A refused action must leave the database byte-for-byte unchanged and name the allowed triggers.
"""

from __future__ import annotations

from datetime import date

import pytest

from aftaleflow.domain.errors import GuardFailed, TransitionNotAllowed
from aftaleflow.domain.machines import AGREEMENT, DECISIONS, IMPLEMENTATION_STEPS
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.agreements.implementations import record_implementation
from tests.conftest import dump
from tests.expected_transitions import (
    AGREEMENT_ALLOWED,
    APPROVAL_ALLOWED,
    IMPLEMENTATION_ALLOWED,
)
from tests.factories import agreement_in_state

AGREEMENT_CASES = [(s, t) for s in AGREEMENT_ALLOWED for t in AGREEMENT.triggers]


@pytest.mark.parametrize(("state", "trigger"), AGREEMENT_CASES)
def test_agreement_trigger_in_every_state(ctx, engine, state, trigger) -> None:
    agreement = agreement_in_state(ctx, state)
    assert agreement.state == state
    expected = AGREEMENT_ALLOWED[state].get(trigger)
    if expected:
        after = advance_agreement(ctx, agreement.id, trigger, comment="test")
        assert after.state == expected
        assert after.version > agreement.version
        return
    before = dump(engine)
    with pytest.raises(TransitionNotAllowed) as err:
        advance_agreement(ctx, agreement.id, trigger)
    assert err.value.allowed == list(AGREEMENT_ALLOWED[state])
    for allowed in AGREEMENT_ALLOWED[state]:
        assert allowed in err.value.message
    assert dump(engine) == before


def _approval_in_state(ctx, state: str):
    agreement = agreement_in_state(ctx, "i_godkendelse")
    steps = {
        "afventer": [],
        "sat_paa_dagsorden": ["dagsorden"],
        "udsat": ["dagsorden", "udsat"],
        "godkendt": ["godkendt"],
        "afvist": ["afvist"],
    }[state]
    for word in steps:
        agreement = record_decision(ctx, agreement.id, Decision(
            party="Kolding", decision=word, meeting_date=date(2026, 4, 15), comment="Begrundet"))
    return agreement


def _party_state(view, party_key: str = "kb-621") -> str:
    return next(a.state for a in view.approvals if a.body_key == party_key)


@pytest.mark.parametrize(("state", "word"),
                         [(s, w) for s in APPROVAL_ALLOWED for w in DECISIONS])
def test_approval_decision_in_every_state(ctx, engine, state, word) -> None:
    agreement = _approval_in_state(ctx, state)
    assert _party_state(agreement) == state
    decision = Decision(party="621", decision=word, meeting_date=date(2026, 5, 20),
                        comment="Begrundet")
    expected = APPROVAL_ALLOWED[state].get(word)
    if expected:
        after = record_decision(ctx, agreement.id, decision)
        assert _party_state(after) == expected
        return
    before = dump(engine)
    with pytest.raises((TransitionNotAllowed, GuardFailed)) as err:
        record_decision(ctx, agreement.id, decision)
    allowed = [DECISIONS[w] for w in APPROVAL_ALLOWED[state]]
    if state == "afvist":  # the rejection closed the round: nothing is allowed
        allowed = []
    assert sorted(err.value.allowed) == sorted(allowed)
    assert dump(engine) == before


@pytest.mark.parametrize(("state", "step"),
                         [(s, w) for s in IMPLEMENTATION_ALLOWED for w in IMPLEMENTATION_STEPS])
def test_implementation_step_in_every_state(ctx, engine, state, step) -> None:
    agreement = agreement_in_state(ctx, "godkendt")
    path = {"ikke_startet": [], "i_gang": ["i_gang"],
            "implementeret": ["i_gang", "implementeret"]}[state]
    for s in path:
        agreement = record_implementation(ctx, agreement.id, "sundhedsklynge-lillebaelt", s)
    assert agreement.implementations[0].state == state
    expected = IMPLEMENTATION_ALLOWED[state].get(step)
    if expected:
        after = record_implementation(ctx, agreement.id, "Sundhedsklynge Lillebælt", step)
        assert after.implementations[0].state == expected
        return
    before = dump(engine)
    with pytest.raises(TransitionNotAllowed) as err:
        record_implementation(ctx, agreement.id, "sundhedsklynge-lillebaelt", step)
    assert err.value.allowed == [IMPLEMENTATION_STEPS[w] for w in IMPLEMENTATION_ALLOWED[state]]
    assert dump(engine) == before


def test_decision_after_the_round_closed_is_refused_and_changes_nothing(ctx, engine) -> None:
    agreement = agreement_in_state(ctx, "genforhandling")
    before = dump(engine)
    with pytest.raises(GuardFailed, match="godkendelsesrunden er åben"):
        record_decision(ctx, agreement.id, Decision(party="Kolding", decision="godkendt"))
    assert dump(engine) == before


def test_putting_on_agenda_needs_a_meeting_date(ctx, engine) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    before = dump(engine)
    with pytest.raises(GuardFailed, match="mødedato"):
        record_decision(ctx, agreement.id, Decision(party="Kolding", decision="dagsorden"))
    assert dump(engine) == before


def test_implementation_of_a_withdrawn_agreement_is_refused(ctx, engine) -> None:
    agreement = agreement_in_state(ctx, "godkendt")
    advance_agreement(ctx, agreement.id, "tilbagetraek", comment="Erstattes af national aftale")
    before = dump(engine)
    with pytest.raises(GuardFailed, match="godkendt og ikke afsluttet"):
        record_implementation(ctx, agreement.id, "sundhedsklynge-lillebaelt", "i_gang")
    assert dump(engine) == before
