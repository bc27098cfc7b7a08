"""What happens to an agreement as parties decide: the domain's story, one behaviour a test."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.errors import Conflict, NotFound, ValidationFailed
from aftaleflow.domain.model import Approval, AuditEvent
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import (
    NewAgreement,
    advance_agreement,
    create_agreement,
    get_agreement,
    history,
)
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.auditing import verify_chain
from tests.conftest import dump
from tests.factories import LILLEBAELT, TRIAL_GOEDSTRUP, agreement_in_state, new_agreement


def test_trial_action_starts_in_its_cluster_and_ssu_commission_at_drafting(ctx) -> None:
    trial = new_agreement(ctx, TRIAL_GOEDSTRUP)
    assert trial.state == "proevehandling"
    assert trial.origin_cluster == "Gødstrupklyngen (Vest)"
    commission = new_agreement(ctx)
    assert commission.state == "under_udarbejdelse"


def test_approval_by_the_last_party_approves_the_agreement_and_opens_implementation(ctx):
    agreement = agreement_in_state(ctx, "i_godkendelse")
    for party in LILLEBAELT:
        agreement = record_decision(ctx, agreement.id, Decision(party=party,
                                                                decision="godkendt"))
        assert agreement.state == "i_godkendelse"
    agreement = record_decision(ctx, agreement.id, Decision(party="regionsrådet",
                                                            decision="godkendt"))
    assert agreement.state == "godkendt"
    assert agreement.progress == "7 af 7 godkendt"
    assert [i.cluster for i in agreement.implementations] == ["Sundhedsklynge Lillebælt"]


def test_regional_agreement_is_implemented_in_every_cluster_of_the_region(ctx) -> None:
    agreement = new_agreement(ctx, TRIAL_GOEDSTRUP)
    for trigger in ("forelaeg_ssu", "paabegynd_udarbejdelse", "send_til_ssu",
                    "indstil_til_godkendelse"):
        agreement = advance_agreement(ctx, agreement.id, trigger)
    for approval in agreement.approvals:
        agreement = record_decision(ctx, agreement.id, Decision(party=approval.body_key,
                                                                decision="godkendt"))
    assert agreement.state == "godkendt"
    assert len(agreement.implementations) == 5
    for impl in agreement.implementations:
        agreement = record_implementation(ctx, agreement.id, impl.cluster_key, "i_gang")
        assert agreement.state == "under_implementering"
    for impl in agreement.implementations:
        assert agreement.state == "under_implementering"
        agreement = record_implementation(ctx, agreement.id, impl.cluster_key, "implementeret")
    assert agreement.state == "implementeret"


def test_rejection_by_one_council_sends_agreement_to_renegotiation(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    record_decision(ctx, agreement.id, Decision(party="Kolding", decision="godkendt"))
    after = record_decision(ctx, agreement.id, Decision(
        party="Vejen", decision="afvist", comment="Økonomien er ikke afklaret"))
    assert after.state == "genforhandling"
    assert "send_til_ssu" in after.allowed_triggers


def test_renegotiation_starts_a_new_round_with_a_new_version_and_keeps_the_old(ctx, engine):
    agreement = agreement_in_state(ctx, "genforhandling")
    assert (agreement.round_no, agreement.text_version) == (1, 1)
    agreement = advance_agreement(ctx, agreement.id, "send_til_ssu", comment="Revideret tekst")
    agreement = advance_agreement(ctx, agreement.id, "indstil_til_godkendelse")
    assert (agreement.round_no, agreement.text_version) == (2, 2)
    assert {a.state for a in agreement.approvals} == {"afventer"}
    assert {a.text_version for a in agreement.approvals} == {2}
    with Session(engine) as s:
        old = s.exec(select(Approval).where(Approval.round_no == 1)).all()
    assert len(old) == 7 and "afvist" in {a.state for a in old}


def test_postponed_item_returns_to_waiting_with_a_new_meeting_date(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    record_decision(ctx, agreement.id, Decision(party="Vejle", decision="dagsorden",
                                                meeting_date=date(2026, 4, 22)))
    record_decision(ctx, agreement.id, Decision(party="Vejle", decision="udsat"))
    after = record_decision(ctx, agreement.id, Decision(party="Vejle", decision="genoptaget",
                                                        meeting_date=date(2026, 5, 27)))
    vejle = next(a for a in after.approvals if "Vejle" in a.body)
    assert vejle.state == "afventer" and vejle.meeting_date == date(2026, 5, 27)


def test_party_is_found_by_name_code_or_body_key(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    for ref in ("Vejle Kommune", "575", "kb-621", "Regionsrådet"):  # 575 = Vejen
        record_decision(ctx, agreement.id, Decision(party=ref, decision="godkendt"))
    assert get_agreement(ctx, agreement.id).approvals_approved == 4
    with pytest.raises(NotFound, match="ikke part"):
        record_decision(ctx, agreement.id, Decision(party="Herning", decision="godkendt"))


def test_every_change_is_in_the_history_and_the_chain_verifies(ctx) -> None:
    agreement = agreement_in_state(ctx, "implementeret")
    events = history(ctx, agreement.id)
    assert events[0].trigger == "opret"
    assert ("godkend", "i_godkendelse", "godkendt") in {
        (e.trigger, e.from_state, e.to_state) for e in events}
    assert {e.actor for e in events} == {"tester", "system"}
    report = verify_chain(ctx)
    assert report.ok and report.events > len(events)


def test_edited_audit_row_breaks_the_chain_at_that_event(ctx, engine) -> None:
    agreement_in_state(ctx, "godkendt")
    with Session(engine) as s:
        victim = s.exec(select(AuditEvent).where(AuditEvent.trigger == "afvis")).first() or \
            s.exec(select(AuditEvent).offset(3)).first()
        assert victim is not None
        victim.actor = "someone else"
        s.add(victim)
        s.commit()
        victim_id = victim.id
    report = verify_chain(ctx)
    assert not report.ok and report.broken_event_id == victim_id


def test_deleted_audit_row_breaks_the_chain_at_the_next_event(ctx, engine) -> None:
    agreement_in_state(ctx, "godkendt")
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_event WHERE id = 5")
    report = verify_chain(ctx)
    assert not report.ok and report.broken_event_id == 6


def test_stale_version_is_refused_and_writes_nothing(ctx, engine) -> None:
    agreement = new_agreement(ctx)
    advance_agreement(ctx, agreement.id, "send_til_ssu", expected_version=agreement.version)
    before = dump(engine)
    with pytest.raises(Conflict) as err:
        advance_agreement(ctx, agreement.id, "tilbagetraek", expected_version=agreement.version)
    assert err.value.current_state == "til_behandling_i_ssu"
    assert dump(engine) == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("kle_number", "29.30.08-27-1-21", "KLE"),
    ("kle_number", "2930.08-P27-1-21", "KLE"),
    ("title", "", "skal udfyldes"),
    ("title", "x" * 1_000_000, "for langt"),
    ("title", "Aftale\x00med nul", "kontroltegn"),
    ("kind", "national_aftale", "Ugyldig værdi"),
    ("origin", "egen_idé", "Ugyldig værdi"),
    ("region", "Region Skåne", "Ukendt region"),
])
def test_bad_input_gets_a_clear_message_and_writes_nothing(ctx, engine, field, value,
                                                           message) -> None:
    fields = dict(title="Børn og unge i mistrivsel", kind="regional_samarbejdsaftale",
                  origin="ssu_bestilling", region="syddanmark",
                  kle_number="29.30.08-P27-1-21", case_handler="Ane Holm")
    fields[field] = value
    before = dump(engine)
    with pytest.raises((ValidationFailed, NotFound), match=message):
        create_agreement(ctx, NewAgreement(**fields))
    assert dump(engine) == before


def test_trial_action_needs_a_cluster_of_its_own_region(ctx) -> None:
    base = dict(title="Udgående teams", kind="regional_samarbejdsaftale",
                origin="proevehandling", region="midtjylland",
                kle_number="29.30.08-P27-1-21", case_handler="Ane Holm")
    with pytest.raises(ValidationFailed, match="skal have en klynge"):
        create_agreement(ctx, NewAgreement(**base))
    with pytest.raises(ValidationFailed, match="hører ikke til"):
        create_agreement(ctx, NewAgreement(**base, origin_cluster="sundhedsklynge-lillebaelt"))
