"""Carrying open cases over 1 January 2027, as the master data's succession lines say."""

from __future__ import annotations

from datetime import date

import pytest

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement, history
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.mail.outbox import list_outbox
from aftaleflow.services.structure.carryover import carried_over_events, carry_over, plan_carry_over
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView
from tests.conftest import dump
from tests.factories import MovableClock, Spec, approve_all, new_agreement

NEW_YEAR = date(2027, 1, 1)
HOVEDSTADEN_REGIONAL = Spec(kind="regional_samarbejdsaftale", region="hovedstaden", cluster=None,
                            title="Den gode indlæggelse og udskrivelse")
SJAELLAND_LOCAL = Spec(kind="lokal_aftale", region="sjaelland",
                       cluster="sundhedsklynge-suh-koege-roskilde", title="Udgående teams")
SJAELLAND_REGIONAL = Spec(kind="regional_samarbejdsaftale", region="sjaelland", cluster=None,
                          title="Børn og unge i mistrivsel")


def _in_round(ctx: ServiceContext, spec: Spec) -> AgreementView:
    view = new_agreement(ctx, spec)
    view = advance_agreement(ctx, view.id, "send_til_ssu")
    return advance_agreement(ctx, view.id, "indstil_til_godkendelse")


def _decide(ctx: ServiceContext, agreement_id: int, party: str, decision: str,
            on: date) -> AgreementView:
    return record_decision(ctx, agreement_id, Decision(party=party, decision=decision,
                                                       decided_on=on, comment="Begrundet"))


def _approve_rest(ctx: ServiceContext, view: AgreementView, on: date) -> AgreementView:
    for approval in view.approvals:
        if approval.state != "godkendt":
            view = _decide(ctx, view.id, approval.body_key, "godkendt", on)
    return view


def _regional_council(view: AgreementView) -> tuple[str, str]:
    rr = next(a for a in view.approvals if a.body_kind == "regionsraad")
    return rr.body, rr.state


def test_open_rounds_cross_new_year_and_finish_in_january(ctx: ServiceContext,
                                                          clock: MovableClock) -> None:
    clock.set(date(2026, 12, 15))
    regional = _in_round(ctx, HOVEDSTADEN_REGIONAL)
    local = _in_round(ctx, SJAELLAND_LOCAL)
    assert regional.approvals_total == 30 and regional.region == "Region Hovedstaden"
    assert local.approvals_total == 7  # six councils of the cluster and Regionsrådet
    december = date(2026, 12, 16)
    for party in ("101", "147", "400"):  # København, Frederiksberg, Bornholm
        regional = _decide(ctx, regional.id, party, "godkendt", december)
    local = _decide(ctx, local.id, "Køge", "godkendt", december)
    deadlines = {a.body_kind: a.deadline for a in regional.approvals}

    clock.set(NEW_YEAR)
    preview = plan_carry_over(ctx, NEW_YEAR)
    lines = "\n".join(preview.lines())
    assert {c.agreement_id for c in preview.cases} == {regional.id, local.id}
    assert ("Afventende godkendelse: Regionsrådet, Region Hovedstaden → Regionsrådet, "
            "Region Østdanmark") in lines
    assert "Beslutning bevares: Borgerrepræsentationen, Københavns Kommune: godkendt" in lines
    assert get_agreement(ctx, regional.id).region == "Region Hovedstaden"  # dry run: unchanged

    done = carry_over(ctx, NEW_YEAR)
    assert [c.agreement_id for c in done.cases] == [regional.id, local.id]
    regional, local = get_agreement(ctx, regional.id), get_agreement(ctx, local.id)
    assert regional.region == local.region == "Region Østdanmark"
    assert local.origin_cluster == "Sundhedsråd Østsjælland og Øerne"
    assert _regional_council(regional) == ("Regionsrådet, Region Østdanmark", "afventer")
    assert _regional_council(local) == ("Regionsrådet, Region Østdanmark", "afventer")
    assert {a.body_kind: a.deadline for a in regional.approvals} == deadlines
    requests = [o for o in list_outbox(ctx) if o.subject.startswith(
        "Anmodning om godkendelse (overført fra Regionsrådet, Region Hovedstaden)")]
    assert [o.recipients for o in requests] == [["rr-oestdanmark@aftaleflow.test"]]
    kept = {a.body: (a.state, a.decided_on) for a in regional.approvals if a.decided_on}
    assert kept == {"Borgerrepræsentationen, Københavns Kommune": ("godkendt", december),
                    "Kommunalbestyrelsen, Frederiksberg Kommune": ("godkendt", december),
                    "Kommunalbestyrelsen, Bornholms Regionskommune": ("godkendt", december)}

    before = dump(ctx.engine)
    again = carry_over(ctx, NEW_YEAR)
    assert again.cases == [] and again.changes == 0
    assert dump(ctx.engine) == before

    january = date(2027, 1, 20)
    clock.set(january)
    regional = _approve_rest(ctx, regional, january)
    local = _approve_rest(ctx, local, january)
    assert regional.state == local.state == "godkendt"
    assert {i.cluster for i in local.implementations} == {"Sundhedsråd Østsjælland og Øerne"}
    assert len(regional.implementations) == 6  # the six sundhedsråd of Region Østdanmark
    assert verify_chain(ctx).ok
    moved = [e for e in history(ctx, regional.id) if e.trigger == "overfoer_godkendelse"]
    assert len(moved) == 1 and moved[0].comment is not None
    assert "Regionsrådet, Region Hovedstaden → Regionsrådet, Region Østdanmark" in moved[0].comment
    assert any(e.trigger == "overfoer_region" for e in history(ctx, local.id))
    assert {e.agreement_id for e in carried_over_events(ctx)} == {regional.id, local.id}


def test_rejected_in_december_is_renegotiated_in_2027_with_2027_parties(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 12, 1))
    view = _in_round(ctx, SJAELLAND_REGIONAL)
    assert view.approvals_total == 18  # 17 councils of Region Sjælland and Regionsrådet
    view = _decide(ctx, view.id, "Næstved", "afvist", date(2026, 12, 10))
    assert view.state == "genforhandling"

    clock.set(date(2027, 2, 1))
    done = carry_over(ctx, NEW_YEAR)
    # The closed round's unanswered approvals stay as history: no request to the successor.
    assert [c.text() for c in done.cases[0].changes] == [
        "Region: Region Sjælland → Region Østdanmark (rettigheder og pligter overgår)"]
    assert not any("overført" in o.subject for o in list_outbox(ctx))
    view = advance_agreement(ctx, view.id, "send_til_ssu")
    view = advance_agreement(ctx, view.id, "indstil_til_godkendelse")
    assert view.round_no == 2 and view.region == "Region Østdanmark"
    assert view.approvals_total == 47  # 46 councils of Region Østdanmark and Regionsrådet
    assert _regional_council(view) == ("Regionsrådet, Region Østdanmark", "afventer")


def test_decision_dated_after_the_body_ceased_is_refused_naming_the_successor(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 12, 15))
    view = _in_round(ctx, HOVEDSTADEN_REGIONAL)
    clock.set(date(2027, 1, 12))
    before = dump(ctx.engine)
    with pytest.raises(ValidationFailed) as refused:
        _decide(ctx, view.id, "regionsrådet", "godkendt", date(2027, 1, 10))
    message = refused.value.message
    assert "Regionsrådet, Region Hovedstaden ophørte 2026-12-31" in message
    assert "efterfølger Regionsrådet, Region Østdanmark" in message
    assert "aftaleflow structure carry-over --on 2027-01-01" in message
    assert dump(ctx.engine) == before
    # A decision taken in December may still be recorded in January.
    view = _decide(ctx, view.id, "regionsrådet", "godkendt", date(2026, 12, 17))
    assert _regional_council(view) == ("Regionsrådet, Region Hovedstaden", "godkendt")


def test_creating_in_a_region_or_cluster_that_ceased_lists_the_valid_ones(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2027, 1, 5))
    with pytest.raises(ValidationFailed) as region:
        new_agreement(ctx, HOVEDSTADEN_REGIONAL)
    assert "Region Hovedstaden ophørte 2026-12-31, efterfølger Region Østdanmark" in (
        region.value.message)
    assert "Gældende regioner: Region Midtjylland, Region Nordjylland, Region Syddanmark, " \
           "Region Østdanmark" in region.value.message
    with pytest.raises(ValidationFailed) as area:
        new_agreement(ctx, Spec())  # Sundhedsklynge Lillebælt, Region Syddanmark
    assert ("Sundhedsklynge Lillebælt ophørte 2026-12-31, efterfølgere Sundhedsråd Lillebælt "
            "og Sundhedsråd Sydvestjylland") in area.value.message
    assert "Gældende områder i Region Syddanmark: Sundhedsråd Fyn" in area.value.message


def test_implementation_in_an_abolished_cluster_continues_in_its_successor_areas(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 6, 1))
    lillebaelt = approve_all(ctx, _in_round(ctx, Spec()))
    lillebaelt = record_implementation(ctx, lillebaelt.id, "sundhedsklynge-lillebaelt", "i_gang")
    hovedstaden = approve_all(ctx, _in_round(ctx, HOVEDSTADEN_REGIONAL))
    hovedstaden = record_implementation(ctx, hovedstaden.id, "sundhedsklynge-byen", "i_gang")
    assert len(hovedstaden.implementations) == 5

    clock.set(date(2027, 1, 4))
    with pytest.raises(ValidationFailed, match="kør overførslen"):
        record_implementation(ctx, lillebaelt.id, "sundhedsklynge-lillebaelt", "implementeret")
    carry_over(ctx, NEW_YEAR)
    lillebaelt = get_agreement(ctx, lillebaelt.id)
    assert {(i.cluster, i.state) for i in lillebaelt.implementations} == {
        ("Sundhedsråd Lillebælt", "i_gang"), ("Sundhedsråd Sydvestjylland", "i_gang")}
    hovedstaden = get_agreement(ctx, hovedstaden.id)
    # Byen, Syd and Bornholm meet in Sundhedsråd Hovedstaden (the least advanced state counts);
    # Syd also continues in Amager og Vestegnen.
    assert {(i.cluster, i.state) for i in hovedstaden.implementations} == {
        ("Sundhedsråd Hovedstaden", "ikke_startet"),
        ("Sundhedsråd Amager og Vestegnen", "ikke_startet"),
        ("Sundhedsråd Københavns Omegn Nord", "ikke_startet"),
        ("Sundhedsråd Nordsjælland", "ikke_startet")}
    for area in ("sundhedsraad-lillebaelt", "sundhedsraad-sydvestjylland"):
        lillebaelt = record_implementation(ctx, lillebaelt.id, area, "implementeret")
    assert lillebaelt.state == "implementeret"
    assert verify_chain(ctx).ok


def test_shipped_succession_lines_as_the_readme_describes(ctx: ServiceContext) -> None:
    from aftaleflow.services.structure.carryover import load_successions
    from aftaleflow.services.uow import UnitOfWork

    with UnitOfWork(ctx, read_only=True) as uow:
        succ = load_successions(uow.session)
    assert succ.successors("region", "sjaelland", NEW_YEAR) == ["oestdanmark"]
    assert succ.successors("body", "rr-hovedstaden", NEW_YEAR) == ["rr-oestdanmark"]
    assert succ.successors("body", "fu-sjaelland", NEW_YEAR) == ["fu-oestdanmark"]
    assert succ.successors("body", "ssu-midtjylland", NEW_YEAR) == []
    assert succ.successors("area", "sundhedsklynge-lillebaelt", NEW_YEAR) == [
        "sundhedsraad-lillebaelt", "sundhedsraad-sydvestjylland"]
    assert succ.successors("region", "hovedstaden", date(2026, 12, 31)) is None
    assert succ.successors("region", "midtjylland", NEW_YEAR) is None


def test_a_split_cluster_gives_a_local_agreement_the_first_successor_as_home(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 12, 1))
    view = _in_round(ctx, Spec())  # local agreement of Sundhedsklynge Lillebælt
    clock.set(NEW_YEAR)
    plan = plan_carry_over(ctx, NEW_YEAR)
    case = next(c for c in plan.cases if c.agreement_id == view.id)
    assert [c.text() for c in case.changes] == [
        "Aftalens område: Sundhedsklynge Lillebælt → Sundhedsråd Lillebælt"]
    carry_over(ctx, NEW_YEAR)
    view = get_agreement(ctx, view.id)
    assert view.origin_cluster == "Sundhedsråd Lillebælt" and view.region == "Region Syddanmark"
    assert _regional_council(view) == ("Regionsrådet, Region Syddanmark", "afventer")


def test_report_names_what_has_no_successor_separately_from_kept_decisions() -> None:
    from aftaleflow.domain.succession import CarryOverReport, CaseCarryOver, Change

    report = CarryOverReport(on=NEW_YEAR, dry_run=True, cases=[CaseCarryOver(
        agreement_id=7, title="Udgående teams", state_label="I godkendelse",
        region="Region Sjælland",
        changes=[Change("region", 7, "Region Sjælland", ["Region Østdanmark"])],
        kept=["Køge Byråd: godkendt 2026-12-16"],
        unresolved=["Sundhedssamarbejdsudvalget, Region Sjælland er ophørt uden efterfølger"])])
    assert report.lines() == [
        "Overførsel til strukturen pr. 2027-01-01 — Forhåndsvisning (intet ændret)",
        "1 åbne sager berøres, 1 ændringer.", "",
        "#7 Udgående teams (Region Sjælland, I godkendelse)",
        "    Region: Region Sjælland → Region Østdanmark",
        "    Beslutning bevares: Køge Byråd: godkendt 2026-12-16",
        "    Uafklaret: Sundhedssamarbejdsudvalget, Region Sjælland er ophørt uden efterfølger"]
