"""The declared machines match the lifecycles the domain describes, and build in `transitions`."""

from __future__ import annotations

import pytest

from aftaleflow.domain.errors import GuardFailed, TransitionNotAllowed
from aftaleflow.domain.machines import (
    AGREEMENT,
    APPROVAL,
    DECISIONS,
    IMPLEMENTATION,
    IMPLEMENTATION_STEPS,
    MACHINES,
    initial_agreement_state,
)
from tests.expected_transitions import (
    AGREEMENT_ALLOWED,
    AGREEMENT_AUTOMATIC,
    APPROVAL_ALLOWED,
    IMPLEMENTATION_ALLOWED,
)

ALL_TRUE = {"has_approvers": True, "all_approved": True, "any_rejected": True,
            "all_implemented": True, "round_open": True, "has_meeting_date": True,
            "agreement_approved": True}


def _as_triggers(table: dict[str, dict[str, str]], words: dict[str, str]) -> dict[str, dict]:
    return {s: {words[w]: d for w, d in moves.items()} for s, moves in table.items()}


CASES = [
    (AGREEMENT, AGREEMENT_ALLOWED),
    (APPROVAL, _as_triggers(APPROVAL_ALLOWED, DECISIONS)),
    (IMPLEMENTATION, _as_triggers(IMPLEMENTATION_ALLOWED, IMPLEMENTATION_STEPS)),
]


@pytest.mark.parametrize(("spec", "table"), CASES, ids=lambda c: getattr(c, "name", ""))
def test_declared_states_are_the_documented_ones(spec, table) -> None:
    assert {s.name for s in spec.states} == set(table)


@pytest.mark.parametrize(("spec", "table"), CASES, ids=lambda c: getattr(c, "name", ""))
def test_every_state_trigger_pair_is_allowed_or_refused_as_documented(spec, table) -> None:
    for state, moves in table.items():
        assert spec.allowed_triggers(state) == list(dict.fromkeys(
            t.trigger for t in spec.transitions if state in t.sources and not t.automatic))
        assert set(spec.allowed_triggers(state)) == set(moves)
        for trigger in spec.triggers:
            if trigger in moves:
                assert spec.next_state(state, trigger, ALL_TRUE) == moves[trigger]
            else:
                with pytest.raises(TransitionNotAllowed) as err:
                    spec.next_state(state, trigger, ALL_TRUE)
                assert err.value.allowed == spec.allowed_triggers(state)
                assert spec.label_of(state) in err.value.message


def test_automatic_triggers_are_refused_to_users_in_every_state() -> None:
    for state in AGREEMENT_ALLOWED:
        for trigger in AGREEMENT_AUTOMATIC:
            with pytest.raises(TransitionNotAllowed, match="automatisk"):
                AGREEMENT.next_state(state, trigger, ALL_TRUE)


def test_automatic_transitions_fire_only_when_their_guard_holds() -> None:
    facts = dict(ALL_TRUE, all_approved=False)
    with pytest.raises(GuardFailed, match="alle parter har godkendt"):
        AGREEMENT.next_state("i_godkendelse", "godkend", facts, allow_automatic=True)
    assert AGREEMENT.next_state("i_godkendelse", "godkend", ALL_TRUE,
                                allow_automatic=True) == "godkendt"
    assert AGREEMENT.next_state("i_godkendelse", "send_til_genforhandling", ALL_TRUE,
                                allow_automatic=True) == "genforhandling"
    assert AGREEMENT.next_state("under_implementering", "afslut_implementering", ALL_TRUE,
                                allow_automatic=True) == "implementeret"


def test_unknown_trigger_names_state_and_allowed_triggers() -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        AGREEMENT.next_state("under_udarbejdelse", "fly_away")
    assert "findes ikke" in err.value.message
    assert "Under udarbejdelse" in err.value.message
    assert "send_til_ssu, tilbagetraek" in err.value.message


def test_guard_failure_names_the_condition() -> None:
    with pytest.raises(GuardFailed) as err:
        APPROVAL.next_state("afventer", "saet_paa_dagsorden",
                            {"round_open": True, "has_meeting_date": False})
    assert err.value.failed == ["en mødedato er angivet"]


def test_ssu_commission_starts_at_drafting_and_trial_in_its_cluster() -> None:
    assert initial_agreement_state("ssu_bestilling") == "under_udarbejdelse"
    assert initial_agreement_state("proevehandling") == "proevehandling"


@pytest.mark.parametrize("spec", MACHINES.values(), ids=lambda s: s.name)
def test_every_state_has_a_danish_label_and_is_reachable(spec) -> None:
    reachable = {spec.states[0].name} | {t.dest for t in spec.transitions}
    if spec is AGREEMENT:
        reachable.add("under_udarbejdelse")
    assert reachable == {s.name for s in spec.states}
    assert all(s.label and s.label[0].isupper() for s in spec.states)
    assert all(t.label for t in spec.transitions)


@pytest.mark.parametrize("spec", MACHINES.values(), ids=lambda s: s.name)
def test_machine_is_built_by_transitions_without_auto_transitions(spec) -> None:
    machine = spec.machine
    assert set(machine.states) == {s.name for s in spec.states}
    assert set(machine.events) == set(spec.triggers)
