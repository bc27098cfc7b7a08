"""The dashboard's carry-over page: a preview before the day, the report after."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.structure.carryover import carry_over
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock
from tests.web.conftest import log_in


def test_structure_page_previews_then_reports_the_carry_over(web, demo_engine,
                                                             demo_world) -> None:
    log_in(web, demo_world.tokens["leder"])
    before = web.get("/ui/struktur").text
    assert "Forhåndsvisning pr. 2027-01-01" in before
    assert "Ingen sager er overført endnu." in before
    assert "Aftalens område: Gødstrupklyngen (Vest) → Sundhedsråd Vestjylland" in before

    clock = MovableClock()
    clock.set(date(2027, 1, 1))
    carry_over(ServiceContext(engine=demo_engine, actor="test", clock=clock), date(2027, 1, 1))
    timeline = web.get(f"/ui/aftaler/{demo_world.midt_open}").text
    assert "Overført til efterfølgende område" in timeline
    assert "Gødstrupklyngen (Vest) → Sundhedsråd Vestjylland" in timeline
    after = web.get("/ui/struktur").text
    assert "Gødstrupklyngen (Vest) → Sundhedsråd Vestjylland" in after.split("h-preview")[0]
    assert "Ingen åbne sager berøres; intet at overføre." in after


def test_a_party_does_not_see_the_structure_page(web, demo_world) -> None:
    log_in(web, demo_world.tokens["part"])
    assert "/ui/struktur" not in web.get("/ui/").text
    assert web.get("/ui/struktur").status_code == 403


def test_agreement_page_in_2027_names_the_forum_and_why_an_action_waits(demo_engine,
                                                                        demo_world) -> None:
    from fastapi.testclient import TestClient

    from aftaleflow.api.app import create_app
    from aftaleflow.services.agreements.cases import advance_agreement
    from tests.factories import Spec, new_agreement

    clock = MovableClock()
    clock.set(date(2026, 12, 15))
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=clock)
    case = new_agreement(ctx, Spec(kind="regional_samarbejdsaftale", region="hovedstaden",
                                   cluster=None))
    case = advance_agreement(ctx, case.id, "send_til_ssu")
    clock.set(date(2027, 2, 1))
    web = log_in(TestClient(create_app(demo_engine, clock)), demo_world.tokens["sagsbehandler"])
    page = web.get(f"/ui/aftaler/{case.id}").text
    actions = page.split('id="h-actions"')[1].split("</section>")[0]
    assert f"/ui/aftaler/{case.id}/handling/indstil_til_godkendelse" not in actions
    assert ("kan ikke vælges nu: ingen godkendende parter i stamdata 2027-02-01: Region "
            "Hovedstaden ophørte 2026-12-31, efterfølger Region Østdanmark — kør overførslen"
            ) in actions
    assert "SSU" not in actions
    assert "Til behandling i forum (ikke fastlagt i stamdata) (foreløbig)" in page
    assert web.get(f"/ui/aftaler/{case.id}/handling/indstil_til_godkendelse").status_code == 404


def test_lifecycle_of_an_agreement_in_2027_names_its_sundhedsraad_not_the_ssu(
        demo_engine, demo_world) -> None:
    from fastapi.testclient import TestClient

    from aftaleflow.api.app import create_app
    from aftaleflow.services.agreements.cases import advance_agreement
    from tests.factories import Spec, new_agreement

    clock = MovableClock()
    clock.set(date(2026, 12, 15))
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=clock)
    case = advance_agreement(ctx, new_agreement(ctx, Spec(
        kind="lokal_aftale", region="sjaelland",
        cluster="sundhedsklynge-suh-koege-roskilde")).id, "send_til_ssu")
    web = log_in(TestClient(create_app(demo_engine, clock)), demo_world.tokens["leder"])
    december = web.get(f"/ui/livscyklus?aftale={case.id}").text
    assert "Nuværende tilstand: Til behandling i SSU." in december

    clock.set(date(2027, 1, 4))
    carry_over(ctx, date(2027, 1, 1))
    log_in(web, demo_world.tokens["leder"])  # the December session has timed out
    page = web.get(f"/ui/livscyklus?aftale={case.id}").text
    agreement_part = page.split('id="h-agreement"')[1].split("</section>")[0]
    forum = "Sundhedsråd Østsjælland og Øerne (foreløbig)"
    assert f"Nuværende tilstand: Til behandling i {forum}." in agreement_part
    assert f'<th scope="row">{forum} indstiller aftalen til godkendelse</th>' in agreement_part
    assert "SSU" not in agreement_part
