"""A council answers in Chromium from the link in a real request mail, against the real server
(`aftaleflow api`, its own log configuration); its log and the audit trail hold no secret."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from aftaleflow.domain.model import AuditEvent
from tests.access.conftest import PARTY, send_requests
from tests.factories import agreement_in_state
from tests.live_server import free_port
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

pytestmark = pytest.mark.slow


def _server(db_url: str, log: Path, port: int, today: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=db_url, AFTALEFLOW_TODAY=today,
               AFTALEFLOW_BASE_URL=f"http://127.0.0.1:{port}")
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "aftaleflow", "api", "--port",
                                   str(port)], stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def test_a_council_answers_from_its_mail_in_two_clicks_and_nothing_leaks(
        ctx, engine, clock, db_url, tmp_path, monkeypatch) -> None:
    from playwright.sync_api import sync_playwright

    from tests.access.conftest import Mailed

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AFTALEFLOW_BASE_URL", base)
    agreement = agreement_in_state(ctx, "i_godkendelse")
    mailed = Mailed(agreement, send_requests(ctx, agreement.id, PARTY))
    secret = mailed.link_of(PARTY)
    other = mailed.link_of("kb-607")
    from aftaleflow.services.access.answer_links import revoke_links

    revoke_links(ctx, agreement.id, "kb-607")
    # a link that lasts one day after Middelfart's deadline; the server runs five days later
    monkeypatch.setenv("AFTALEFLOW_ANSWER_LINK_DAYS", "1")
    from aftaleflow.services.access.answer_links import issue_link

    middelfart = next(a for a in agreement.approvals if a.body_key == "kb-410")
    expired = issue_link(ctx, middelfart.id, "kb-410@aftaleflow.test")
    later = middelfart.deadline + timedelta(days=5)
    log = tmp_path / "server.log"
    server = _server(db_url, log, port, f"{later:%Y-%m-%d}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(f"{base}/ui/svar/{secret}")
            assert "Kolding" in page.locator("h1").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "svarlink-390.png"), full_page=True)
            page.click("button:has-text('Registrér beslutning')")  # Godkendt is chosen
            assert "Linket er brugt" in page.content()
            page.goto(f"{base}/ui/svar/{secret}")  # the second try: read-only
            assert page.locator("#link-used").is_visible()
            assert page.locator("button:has-text('Registrér beslutning')").count() == 0
            page.goto(f"{base}/ui/svar/{other}")
            assert "Linket er tilbagekaldt" in page.content()
            page.goto(f"{base}/ui/svar/{expired}")
            assert "Linket er udløbet" in page.content()
            # keyboard only: a fresh party's link, Tab to the button and Enter
            page.goto(f"{base}/ui/svar/{mailed.link_of('kb-630')}")  # Vejle
            page.focus("input[name=decision][value=godkendt]")
            page.keyboard.press("Enter")  # the form is sent from the keyboard
            page.wait_for_selector("#link-used")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    with Session(engine) as s:
        events = s.exec(select(AuditEvent)).all()
    decision = next(e for e in events if e.trigger == "godkend")
    assert decision.actor == f"svarlink til {PARTY}@aftaleflow.test"
    trail = "\n".join(str(e.model_dump()) for e in events)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "GET /ui/svar/[skjult]" in text or "/ui/svar/" not in text
    for link in (secret, other, expired):
        assert link not in trail
        assert link not in text
