"""The carry-over keeps history: ended implementations stay, linked to their successors, and
every audit event names rows that exist with their true states (issue 20, rules 4 and 9)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlmodel import Session, col, select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.model import (
    AuditEvent,
    Cluster,
    Implementation,
    ImplementationSuccession,
)
from aftaleflow.domain.succession import successor_state
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.structure.carryover import carry_over
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView
from tests.conftest import dump
from tests.factories import MovableClock, Spec, approve_all, new_agreement

NEW_YEAR = date(2027, 1, 1)
SJAELLAND_REGIONAL = Spec(kind="regional_samarbejdsaftale", region="sjaelland", cluster=None,
                          title="Børn og unge i mistrivsel")
SUH = "sundhedsklynge-suh-koege-roskilde"
OESTSJAELLAND = "Sundhedsråd Østsjælland og Øerne"
MIDT_VEST = "Sundhedsråd Midt- og Vestsjælland"


def sjaelland_merge(ctx: ServiceContext, clock: MovableClock) -> AgreementView:
    """A regional Sjælland agreement with SUH implementeret and Holbæk i gang, carried over
    on 1 January 2027 (the scenario of issue 20, rule 4)."""
    clock.set(date(2026, 6, 1))
    view = new_agreement(ctx, SJAELLAND_REGIONAL)
    view = advance_agreement(ctx, view.id, "send_til_ssu")
    view = approve_all(ctx, advance_agreement(ctx, view.id, "indstil_til_godkendelse"))
    assert len(view.implementations) == 4  # SUH, Holbæk, NSR, Nykøbing F
    record_implementation(ctx, view.id, SUH, "i_gang", on=date(2026, 9, 1))
    record_implementation(ctx, view.id, SUH, "implementeret", on=date(2026, 12, 10))
    record_implementation(ctx, view.id, "sundhedsklynge-holbaek", "i_gang",
                          on=date(2026, 11, 2))
    clock.set(NEW_YEAR)
    carry_over(ctx, NEW_YEAR)
    return get_agreement(ctx, view.id)


def test_sjaelland_merge_continues_in_two_councils_and_shows_what_each_cluster_reached(
        ctx: ServiceContext, clock: MovableClock) -> None:
    view = sjaelland_merge(ctx, clock)
    shown = {i.cluster: (i.state, i.predecessors) for i in view.implementations}
    assert shown == {
        OESTSJAELLAND: ("i_gang", ("Sundhedsklynge SUH (Køge/Roskilde): implementeret "
                                   "10.12.2026", "Sundhedsklynge Nykøbing F: ikke startet")),
        MIDT_VEST: ("i_gang", ("Sundhedsklynge Holbæk: i gang 02.11.2026",
                               "Sundhedsklynge NSR (Næstved/Slagelse/Ringsted): ikke startet")),
    }
    assert view.state == "under_implementering"


def test_merged_clusters_are_ended_and_linked_never_deleted(
        ctx: ServiceContext, clock: MovableClock) -> None:
    view = sjaelland_merge(ctx, clock)
    with Session(ctx.engine) as s:
        rows = s.exec(select(Implementation, Cluster).join(
            Cluster, col(Cluster.id) == Implementation.cluster_id)
            .where(Implementation.agreement_id == view.id)).all()
        ended = {c.key: (i.state, i.ended_on, i.completed_on) for i, c in rows if i.ended_on}
        assert ended == {
            SUH: ("implementeret", date(2026, 12, 31), date(2026, 12, 10)),
            "sundhedsklynge-holbaek": ("i_gang", date(2026, 12, 31), None),
            "sundhedsklynge-nsr-naestved-slagelse-ringsted": ("ikke_startet",
                                                              date(2026, 12, 31), None),
            "sundhedsklynge-nykoebing-f": ("ikke_startet", date(2026, 12, 31), None)}
        by_id = {i.id: c.name for i, c in rows}
        links = {(by_id[ln.predecessor_id], by_id[ln.successor_id])
                 for ln in s.exec(select(ImplementationSuccession))}
    assert links == {("Sundhedsklynge SUH (Køge/Roskilde)", OESTSJAELLAND),
                     ("Sundhedsklynge Nykøbing F", OESTSJAELLAND),
                     ("Sundhedsklynge Holbæk", MIDT_VEST),
                     ("Sundhedsklynge NSR (Næstved/Slagelse/Ringsted)", MIDT_VEST)}


def test_every_implementation_event_names_an_existing_row_and_its_true_states(
        ctx: ServiceContext, clock: MovableClock) -> None:
    view = sjaelland_merge(ctx, clock)
    with Session(ctx.engine) as s:
        events = s.exec(select(AuditEvent).where(
            AuditEvent.agreement_id == view.id, AuditEvent.entity == "implementation")
            .order_by(col(AuditEvent.id))).all()
        rows = {i.id: i for i in s.exec(select(Implementation).where(
            Implementation.agreement_id == view.id))}
    assert {e.entity_id for e in events} <= set(rows)
    # Per row, each event starts where the one before ended, and the last is the row's state.
    for row_id, row in rows.items():
        chain = [(e.from_state, e.to_state) for e in events if e.entity_id == row_id]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(chain)), chain
        assert not chain or chain[-1][1] == row.state
    merged = [e.comment or "" for e in events if e.trigger == "overfoer_implementering"]
    assert any(f"Sammenlægning i {OESTSJAELLAND} pr. 2027-01-01: Sundhedsklynge SUH "
               "(Køge/Roskilde): implementeret 10.12.2026 og Sundhedsklynge Nykøbing F: ikke "
               "startet → i gang" in c for c in merged)
    assert any("Sundhedsklynge SUH (Køge/Roskilde) ophørte 2026-12-31; implementeringen "
               "(Sundhedsklynge SUH (Køge/Roskilde): implementeret 10.12.2026) er afsluttet og "
               f"bevaret, videreført i {OESTSJAELLAND}" in c for c in merged)
    assert verify_chain(ctx).ok


def test_carry_over_twice_changes_nothing_the_second_time(ctx: ServiceContext,
                                                          clock: MovableClock) -> None:
    sjaelland_merge(ctx, clock)
    before = dump(ctx.engine)
    again = carry_over(ctx, NEW_YEAR)
    assert again.cases == [] and dump(ctx.engine) == before


def test_implementation_in_a_ceased_cluster_after_the_carry_over_names_its_successor(
        ctx: ServiceContext, clock: MovableClock) -> None:
    view = sjaelland_merge(ctx, clock)
    before = dump(ctx.engine)
    with pytest.raises(ValidationFailed) as refused:
        record_implementation(ctx, view.id, SUH, "implementeret")
    message = refused.value.message
    assert (f"videreført i {OESTSJAELLAND} (sundhedsraad-oestsjaelland-og-oeerne). "
            "Registrér implementeringen dér.") in message
    assert "kør overførslen" not in message
    assert dump(ctx.engine) == before
    view = record_implementation(ctx, view.id, "sundhedsraad-oestsjaelland-og-oeerne",
                                 "implementeret")
    assert {i.cluster: i.state for i in view.implementations} == {
        OESTSJAELLAND: "implementeret", MIDT_VEST: "i_gang"}
    assert view.state == "under_implementering"  # Midt- og Vestsjælland has not finished


@pytest.mark.parametrize(("states", "expected"), [
    (["implementeret", "implementeret"], "implementeret"),
    (["implementeret", "ikke_startet"], "i_gang"),
    (["i_gang", "ikke_startet"], "i_gang"),
    (["ikke_startet", "ikke_startet"], "ikke_startet"),
    (["i_gang"], "i_gang"),
])
def test_successor_state_follows_the_readme_rule(states: list[str], expected: str) -> None:
    assert successor_state(states) == expected


def test_decision_of_a_ceased_body_after_the_carry_over_names_the_successor_not_the_command(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 12, 1))
    view = new_agreement(ctx, SJAELLAND_REGIONAL)
    view = advance_agreement(ctx, view.id, "send_til_ssu")
    view = advance_agreement(ctx, view.id, "indstil_til_godkendelse")
    view = record_decision(ctx, view.id, Decision(party="Næstved", decision="afvist",
                                                  decided_on=date(2026, 12, 10),
                                                  comment="Økonomien er ikke afklaret"))
    assert view.state == "genforhandling"
    clock.set(date(2027, 1, 12))
    carry_over(ctx, NEW_YEAR)
    with pytest.raises(ValidationFailed) as refused:
        record_decision(ctx, view.id, Decision(party="regionsrådet", decision="godkendt",
                                               decided_on=date(2027, 1, 10)))
    message = refused.value.message
    assert "Regionsrådet, Region Sjælland ophørte 2026-12-31" in message
    assert "Sagen føres videre af Regionsrådet, Region Østdanmark." in message
    assert "carry-over" not in message and "kør overførslen" not in message


def test_decision_for_a_body_whose_approval_was_carried_over_names_who_records_it(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 12, 15))
    view = new_agreement(ctx, SJAELLAND_REGIONAL)
    view = advance_agreement(ctx, view.id, "send_til_ssu")
    view = advance_agreement(ctx, view.id, "indstil_til_godkendelse")
    clock.set(date(2027, 1, 12))
    carry_over(ctx, NEW_YEAR)
    before = dump(ctx.engine)
    with pytest.raises(ValidationFailed) as refused:
        record_decision(ctx, view.id, Decision(party="rr-sjaelland", decision="godkendt",
                                               decided_on=date(2027, 1, 10)))
    assert refused.value.message == (
        "Regionsrådet, Region Sjælland ophørte 2026-12-31, efterfølger Regionsrådet, Region "
        "Østdanmark. Godkendelsen i runde 1 er overført til Regionsrådet, Region Østdanmark; "
        "registrér beslutningen for Regionsrådet, Region Østdanmark.")
    assert dump(ctx.engine) == before
