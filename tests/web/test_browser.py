"""Chromium drives the dashboard on a real uvicorn server: the four users' tasks, axe-core on
every page, and a screenshot of each page in screenshots/ (not committed) for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import live_server
from tests.web.conftest import SCREENSHOTS, DemoWorld

pytestmark = pytest.mark.slow


@pytest.fixture
def base(web_app: Any) -> Iterator[str]:
    with live_server(web_app) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="da-DK",
                                  accept_downloads=True,
                                  bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def log_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/ui/login")
    page.get_by_label("API-token").fill(token)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/ui/")


def check_page(page: Any, axe_script: Path, name: str) -> None:
    """No serious or critical axe-core violation; a full-page screenshot for people."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} – "
           f"{[n['target'] for n in v['nodes'][:3]]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: " + "\n".join(bad)
    assert page.locator("html").get_attribute("lang") == "da"


def test_manager_sees_the_approval_matrix_of_the_demo(page, base, demo_world: DemoWorld,
                                                       axe_script: Path) -> None:
    page.goto(f"{base}/ui/login")
    check_page(page, axe_script, "01-login")
    log_in(page, base, demo_world.tokens["leder"])
    assert page.get_by_role("heading", name="Overblik").is_visible()
    check_page(page, axe_script, "02-overblik")

    page.get_by_role("link", name="Godkendelser", exact=True).click()
    page.get_by_label("Region", exact=True).select_option("midtjylland")
    page.get_by_role("button", name="Vis").click()
    table = page.locator("table.matrix")
    assert table.locator("caption").inner_text() == "Region Midtjylland: 2 aftaler × 20 parter"
    headers = table.locator("thead th").all_inner_texts()
    herning = headers.index("Herning")
    rows = table.locator("tbody tr")
    assert rows.nth(0).locator("td").nth(herning - 1).inner_text() == "Godkendt\n20.04.2026"
    assert rows.nth(1).locator("td").nth(herning - 1).inner_text().startswith("Sat på dagsorden")
    assert table.locator("td a").count() == 0  # a manager records nothing
    check_page(page, axe_script, "03-matrix-midtjylland")

    page.goto(f"{base}/ui/matrix")
    check_page(page, axe_script, "04-matrix-alle")
    page.goto(f"{base}/ui/aftaler/1")
    assert "Implementeret" in page.locator(".state-line").inner_text()
    check_page(page, axe_script, "05-aftale-implementeret")
    page.goto(f"{base}/ui/livscyklus?aftale={demo_world.midt_open}")
    assert page.locator("svg.lifecycle .state.current").first.get_attribute(
        "id") == "state-i_godkendelse"
    check_page(page, axe_script, "06-livscyklus")
    page.get_by_role("link", name="Kalender").click()
    check_page(page, axe_script, "07-kalender")


def test_case_handler_advances_an_agreement_with_a_button(page, base, demo_world: DemoWorld,
                                                          axe_script: Path) -> None:
    log_in(page, base, demo_world.tokens["sagsbehandler"])
    page.goto(f"{base}/ui/aftaler/{demo_world.renegotiation}")
    check_page(page, axe_script, "08-aftale-genforhandling")
    page.get_by_role("link", name="Send til behandling i SSU").click()
    assert "«Genforhandling» til «Til behandling i SSU»" in page.locator(
        ".confirm-what").inner_text()
    page.get_by_label("Kommentar (valgfri)").fill("Ny tekst efter Vejens bemærkninger")
    check_page(page, axe_script, "09-bekraeft")
    button = page.get_by_role("button", name="Bekræft: Send til behandling i SSU")
    button.focus()
    page.keyboard.press("Enter")  # keyboard only
    page.wait_for_url(f"{base}/ui/aftaler/{demo_world.renegotiation}")
    assert "Aftalen er nu «Til behandling i SSU»" in page.get_by_role("status").inner_text()
    assert "Til behandling i SSU" in page.locator(".state-line").inner_text()
    assert "Ny tekst efter Vejens bemærkninger" in page.locator("ol.timeline").inner_text()


def test_clerk_builds_the_agenda_and_downloads_the_dagsorden(page, base, demo_world: DemoWorld,
                                                             axe_script: Path) -> None:
    log_in(page, base, demo_world.tokens["udvalgssekretaer"])
    page.get_by_role("link", name="Møder").click()
    check_page(page, axe_script, "10-moeder")
    page.goto(f"{base}/ui/moeder/{demo_world.meeting}")
    page.get_by_label("Titel", exact=True).fill("Personalesag")
    page.get_by_role("button", name="Tilføj punkt").click()
    assert "Punkt 3 «Personalesag» er tilføjet" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Op: Personalesag").click()
    page.get_by_role("button", name="Markér lukket: Personalesag").click()
    titles = page.locator("table.agenda tbody th").all_inner_texts()
    assert titles[1] == "Personalesag" and "Lukket" in page.locator(
        "#" + page.locator("table.agenda tbody tr").nth(1).get_attribute("id")).inner_text()
    page.get_by_label("Dokument", exact=True).select_option("dagsorden")
    page.get_by_role("button", name="Dan PDF").click()
    assert "Dagsorden er dannet" in page.get_by_role("status").inner_text()
    check_page(page, axe_script, "11-moede")
    link = page.get_by_role("link", name=re.compile("^Dagsorden"))
    with page.expect_download() as info:
        link.first.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and info.value.suggested_filename.endswith(".pdf")


def test_part_acts_only_in_its_own_column(page, base, demo_world: DemoWorld,
                                          axe_script: Path) -> None:
    log_in(page, base, demo_world.tokens["part"])
    assert page.get_by_role("link", name="Møder").count() == 0
    page.goto(f"{base}/ui/matrix")
    links = page.locator("table.matrix td a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == [f"/ui/aftaler/{demo_world.midt_open}/parter/kb-657"]
    check_page(page, axe_script, "12-matrix-part")
    page.goto(f"{base}/ui/aftaler/{demo_world.midt_open}")
    buttons = page.locator("a.button[href*='/parter/']")
    targets = {buttons.nth(i).get_attribute("href") for i in range(buttons.count())}
    assert targets and all(t.startswith(f"/ui/aftaler/{demo_world.midt_open}/parter/kb-657/")
                           for t in targets)
    page.get_by_role("link", name="Godkend – Kommunalbestyrelsen, Herning Kommune").click()
    page.get_by_label("Mødedato").fill("2026-11-17")
    page.get_by_role("button", name="Bekræft: Godkend").click()
    assert "Kommunalbestyrelsen, Herning Kommune er nu «Godkendt»" in page.get_by_role(
        "status").inner_text()
    check_page(page, axe_script, "13-aftale-part")


def test_manager_previews_the_carry_over_of_1_january(page, base, demo_world: DemoWorld,
                                                       axe_script: Path) -> None:
    log_in(page, base, demo_world.tokens["leder"])
    page.get_by_role("link", name="Strukturændring").click()
    page.wait_for_url(f"{base}/ui/struktur")
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert "Forhåndsvisning pr. 2027-01-01" in headings
    assert "Gødstrupklyngen (Vest) → Sundhedsråd Vestjylland" in page.locator(
        "#h-preview").locator("..").inner_text()
    check_page(page, axe_script, "14-strukturaendring")
