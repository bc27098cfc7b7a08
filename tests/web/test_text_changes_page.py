"""The dashboard page "Ændringer i teksten": versions with round and date, words in and out."""

from __future__ import annotations

import pytest

from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.agreements.texts import TextRevision, revise_text
from aftaleflow.services.uow import ServiceContext
from tests.web.conftest import DemoWorld, log_in, web_clock


def _second_round(engine, agreement_id: int) -> None:
    ctx = ServiceContext(engine=engine, actor="test", clock=web_clock())
    revise_text(ctx, agreement_id, TextRevision(
        body="Børn henvises inden for ti hverdage.", attachments=["Bilag 1: Tjekliste"]))
    advance_agreement(ctx, agreement_id, "send_til_ssu")
    advance_agreement(ctx, agreement_id, "indstil_til_godkendelse")


def test_agreement_page_links_to_its_text_changes(web, demo_world: DemoWorld) -> None:
    log_in(web, demo_world.tokens["leder"])
    page = web.get(f"/ui/aftaler/{demo_world.renegotiation}")
    assert f'href="/ui/aftaler/{demo_world.renegotiation}/aendringer"' in page.text


def test_page_shows_versions_and_the_words_inserted_and_deleted(web, demo_world: DemoWorld,
                                                                  demo_engine) -> None:
    agreement = demo_world.renegotiation
    _second_round(demo_engine, agreement)
    log_in(web, demo_world.tokens["leder"])
    page = web.get(f"/ui/aftaler/{agreement}/aendringer?fra=1&til=2")
    assert page.status_code == 200
    html = page.text
    assert "Fra version 1 (runde 1) til version 2 (runde 2)" in html
    assert '<ins><span class="visually-hidden">[indsat: </span>Børn henvises inden for ti ' \
           'hverdage.<span class="visually-hidden">]</span></ins>' in html
    assert "<h3>Bilag</h3>" in html and "Bilag 1: Tjekliste" in html
    assert "<h3>Titel</h3>" not in html  # unchanged fields are left out


def test_unknown_version_gives_a_danish_error_page(web, demo_world: DemoWorld) -> None:
    log_in(web, demo_world.tokens["leder"])
    page = web.get(f"/ui/aftaler/{demo_world.renegotiation}/aendringer?fra=1&til=5")
    assert page.status_code == 404 and "ingen tekstversion 5" in page.text


@pytest.mark.slow
def test_a_manager_reads_the_changes_in_chromium_without_accessibility_violations(
        browser, web_app, demo_world: DemoWorld, demo_engine, axe_script) -> None:
    from tests.live_server import live_server
    from tests.web.test_browser import check_page
    from tests.web.test_browser import log_in as browser_log_in

    _second_round(demo_engine, demo_world.renegotiation)
    context = browser.new_context(locale="da-DK", bypass_csp=True)
    page = context.new_page()
    try:
        with live_server(web_app) as base:
            browser_log_in(page, base, demo_world.tokens["leder"])
            page.goto(f"{base}/ui/aftaler/{demo_world.renegotiation}")
            page.get_by_role("link", name="Se ændringer i teksten").click()
            page.get_by_label("Fra version", exact=True).select_option("1")
            page.get_by_label("Til version", exact=True).select_option("2")
            page.get_by_role("button", name="Sammenlign").click()
            assert page.locator("ins", has_text="ti hverdage").count() == 1
            check_page(page, axe_script, "20-aendringer-i-teksten")
    finally:
        context.close()
