"""Chromium on a real uvicorn server: the public pages at 1280 and 390 px (phones) without
sideways page scroll and without serious or critical axe-core violations; a citizen filters
the list, opens an agreement and finds each council's decision; no cookie is ever stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.documents.case_documents import render_agenda
from aftaleflow.services.uow import ServiceContext
from tests.live_server import live_server
from tests.web.conftest import SCREENSHOTS, DemoWorld, web_clock

pytestmark = pytest.mark.slow
WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def base(web_app: Any, demo_engine, demo_world: DemoWorld) -> Iterator[str]:
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=web_clock())
    record_decision(ctx, demo_world.midt_open, Decision(
        party="Herning", decision="godkendt", meeting_date=date(2026, 10, 20),
        protocol_ref="Byrådet 20.10.2026, pkt. 12"))
    render_agenda(ctx, demo_world.meeting, public=True)
    with live_server(web_app) as url:
        yield url


def check(page: Any, axe_script: Path, name: str, width: str) -> None:
    """Screenshot; no sideways page scroll at either width; axe-core: nothing serious."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    scroll, inner = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => "
        "e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)"
        ".map(e => e.tagName + '.' + e.className)")
    assert scroll <= inner == int(width), f"{name}: the page scrolls sideways ({scroll}): {wide}"
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name} at {width} px: " + "\n".join(bad)


@pytest.mark.parametrize("width", ["1280", "390"])
def test_citizen_finds_each_councils_decision_on_the_public_pages(
        browser, base, demo_world: DemoWorld, axe_script: Path, width: str) -> None:
    context = browser.new_context(viewport=WIDTHS[width], locale="da-DK",
                                  bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/offentlig/")
    check(page, axe_script, "40-offentlig-liste", width)

    page.get_by_label("Region").select_option(label="Region Midtjylland")
    page.get_by_label("Tilstand").select_option(label="I godkendelse")
    page.get_by_role("button", name="Vis aftaler").click()
    page.wait_for_url("**tilstand=i_godkendelse**")
    assert "1 af 20 godkendt" in page.locator("main").inner_text()
    check(page, axe_script, "41-offentlig-filtreret", width)

    page.locator(f"a[href='/offentlig/aftaler/{demo_world.midt_open}']").click()
    page.wait_for_url(f"**/offentlig/aftaler/{demo_world.midt_open}")
    row = page.locator("table.decisions tr", has_text="Herning Kommune")
    assert "Godkendt" in row.inner_text() and "Byrådet 20.10.2026, pkt. 12" in row.inner_text()
    assert page.get_by_role("link", name="Dagsorden (offentlig udgave)").count() == 1
    check(page, axe_script, "42-offentlig-aftale", width)

    for path, name in (("/offentlig/data", "43-offentlig-data"),
                       ("/offentlig/aftaler/999999", "44-offentlig-findes-ikke"),
                       ("/offentlig/?aar=abc", "45-offentlig-fejl")):
        page.goto(f"{base}{path}")
        check(page, axe_script, name, width)
    assert context.cookies() == []
    context.close()
