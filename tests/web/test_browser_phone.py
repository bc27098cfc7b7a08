"""Chromium on a real uvicorn server: a council follows the link in a real request mail through
the login to its decision page and approves; every page at 1280 and 390 px (phones) without
sideways page scroll and without serious axe-core violations, with screenshots of both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aftaleflow.mail import SmtpTransport
from aftaleflow.services.mail.mailing import send_outbox
from aftaleflow.services.mail.reminders import enqueue_round_letters
from aftaleflow.services.uow import ServiceContext
from tests.live_server import live_server
from tests.smtp_server import SmtpTestServer
from tests.web.conftest import SCREENSHOTS, DemoWorld, web_clock

pytestmark = pytest.mark.slow
OTHER_COUNCILS = ("Holstebro", "Lemvig", "Ikast-Brande", "Struer", "Ringkøbing", "Skive",
                  "Viborg", "Silkeborg", "Horsens", "Aarhus Kommune", "Randers Kommune")
WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def base(web_app: Any) -> Iterator[str]:
    with live_server(web_app) as url:
        yield url


def _context(browser: Any, width: str) -> Any:
    return browser.new_context(viewport=WIDTHS[width], locale="da-DK", accept_downloads=True,
                               bypass_csp=True)  # axe-core is injected inline


def _log_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/ui/login")
    page.get_by_label("API-token").fill(token)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/ui/")


def check(page: Any, axe_script: Path, name: str, width: str) -> None:
    """Screenshot; at 390 px no sideways page scroll; axe-core without serious violations."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    if width == "390":
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)"
            ".map(e => e.tagName + '.' + e.className)")
        assert scroll == inner == 390, f"{name}: the page scrolls sideways ({scroll} px): {wide}"
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name} at {width} px: " + "\n".join(bad)


def _visible_text(page: Any) -> str:
    return str(page.locator("body").inner_text())


def test_council_follows_the_request_mail_through_login_and_approves(
        browser, base, demo_world: DemoWorld, demo_engine, axe_script: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTALEFLOW_BASE_URL", base)
    ctx = ServiceContext(engine=demo_engine, actor="sekretariatet", clock=web_clock())
    enqueue_round_letters(ctx)
    with SmtpTestServer() as smtp:
        report = send_outbox(ctx, SmtpTransport(smtp.settings()), attachments=None)
        mails = [m.message for m in smtp.received]
    assert len(report.sent) == len(mails) == 20 and not report.failed
    herning = next(m for m in mails if "Til Kommunalbestyrelsen, Herning Kommune" in
                   m.get_content())
    text = herning.get_content()
    assert "Godkendt af: ingen endnu" in text and "Jeres frist: " in text
    link = re.search(r"(http://127\.0\.0\.1:\d+/ui/aftaler/\d+/parter/kb-657)\s", text)
    assert link, text
    url = link.group(1)

    context = _context(browser, "390")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    assert "/ui/login?naeste=" in page.url
    check(page, axe_script, "20-login-fra-mail", "390")
    page.get_by_label("API-token").fill(demo_world.tokens["part"])
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(url)
    assert "Kommunalbestyrelsen, Herning Kommune: beslutning" in _visible_text(page)
    assert "Fristregel:" in _visible_text(page)
    assert not [n for n in OTHER_COUNCILS if n in _visible_text(page)]
    check(page, axe_script, "21-beslutning-part", "390")

    page.get_by_label("Godkend", exact=True).check()
    page.get_by_label("Mødedato (skal udfyldes").fill("2026-11-17")
    page.get_by_label("Protokolhenvisning (valgfri)").fill("Byrådet 17.11.2026, pkt. 12")
    page.get_by_role("button", name="Registrér beslutning").click()
    page.wait_for_url(url)
    status = page.get_by_role("status").inner_text()
    assert "Kommunalbestyrelsen, Herning Kommune er nu «Godkendt»" in status
    assert not [n for n in OTHER_COUNCILS if n in _visible_text(page)]
    check(page, axe_script, "22-beslutning-registreret", "390")

    page.goto(f"{base}/ui/matrix")
    row = page.locator(f"table.matrix tr:has(a[href='/ui/aftaler/{demo_world.midt_open}'])")
    cell = row.locator("td[data-part='Herning']")
    assert re.sub(r"\s+", "", cell.inner_text()).startswith("Godkendt17.11.2026")
    # on a phone the row is a list: each party named before its state (CSS from data-part)
    label, display = cell.evaluate(
        "c => [getComputedStyle(c, '::before').content, getComputedStyle(c).display]")
    assert "Herning" in label and display == "block"
    # every party's decision is a public record (issue 20): the part sees the other councils'
    # cells; it has decided, so no cell offers it an action any more
    parts = row.locator("td:not(.none)").evaluate_all("cs => cs.map(c => c.dataset.part)")
    assert len(parts) == 20 and {"Holstebro", "Lemvig", "Struer", "Skive"} <= set(parts)
    assert row.locator("td a").count() == 0
    check(page, axe_script, "23-matrix-part", "390")
    context.close()


def _pages(demo_world: DemoWorld) -> list[tuple[str, str, str]]:
    """(screenshot name, role, path) for every page of the dashboard."""
    a, m = demo_world.midt_open, demo_world.meeting
    return [
        ("30-overblik", "leder", "/ui/"),
        ("31-matrix", "leder", "/ui/matrix"),
        ("32-matrix-filtre", "leder", "/ui/matrix?region=midtjylland&over_fristen=1"),
        ("33-aftale", "sagsbehandler", f"/ui/aftaler/{a}"),
        ("34-bekraeft-tilbagetraek", "sagsbehandler", f"/ui/aftaler/{a}/handling/tilbagetraek"),
        ("35-part-beslutning", "part", f"/ui/aftaler/{a}/parter/kb-657"),
        ("36-soeg", "leder", "/ui/soeg?q=udskrivelse"),
        ("37-moeder", "udvalgssekretaer", "/ui/moeder"),
        ("38-moede", "udvalgssekretaer", f"/ui/moeder/{m}"),
        ("39-kalender", "leder", "/ui/kalender"),
        ("40-livscyklus", "leder", f"/ui/livscyklus?aftale={a}"),
        ("41-aftale-implementeret", "leder", "/ui/aftaler/1"),
        ("42-struktur", "leder", "/ui/struktur"),
    ]


@pytest.mark.parametrize("width", ["1280", "390"])
def test_every_page_fits_the_screen_passes_axe_and_is_photographed(
        browser, base, demo_world: DemoWorld, axe_script: Path, width: str) -> None:
    context = _context(browser, width)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/ui/login")
    check(page, axe_script, "29-login", width)
    current = None
    for name, role, path in _pages(demo_world):
        if role != current:
            context.clear_cookies()
            _log_in(page, base, demo_world.tokens[role])
            current = role
        page.goto(f"{base}{path}")
        assert page.locator("h1").count() == 1, name
        check(page, axe_script, name, width)
    context.close()
