"""The dashboard's structure page offers the origins of the day (issue 20, rule 5)."""

from __future__ import annotations

from tests.web.conftest import log_in


def test_structure_page_lists_the_origins_valid_on_the_day(web, demo_world) -> None:
    log_in(web, demo_world.tokens["leder"])
    january = web.get("/ui/struktur?dato=2027-01-04").text.split('id="h-origins"')[1]
    assert "Drøftelse i sundhedsrådet (foreløbig) (standard)" in january
    assert "Bestilling fra SSU" not in january
    december = web.get("/ui/struktur?dato=2026-12-15").text.split('id="h-origins"')[1]
    assert "Bestilling fra SSU (standard)" in december
