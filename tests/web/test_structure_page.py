"""The dashboard's carry-over page: a preview before the day, the report after."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.carryover import carry_over
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
    after = web.get("/ui/struktur").text
    assert "Gødstrupklyngen (Vest) → Sundhedsråd Vestjylland" in after.split("h-preview")[0]
    assert "Ingen åbne sager berøres; intet at overføre." in after


def test_a_party_does_not_see_the_structure_page(web, demo_world) -> None:
    log_in(web, demo_world.tokens["part"])
    assert "/ui/struktur" not in web.get("/ui/").text
    assert web.get("/ui/struktur").status_code == 403
