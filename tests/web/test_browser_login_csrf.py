"""Login CSRF in a real browser: a page on another site that posts the login form with the
attacker's token does not log the browser in (Chromium, real uvicorn, a second server)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live_server import free_port, live_server
from tests.web.conftest import DemoWorld

pytestmark = pytest.mark.slow


@pytest.fixture
def base(web_app: Any) -> Iterator[str]:
    with live_server(web_app) as url:
        yield url


def _attacker_site(target: str, token: str) -> tuple[http.server.HTTPServer, str]:
    """http://localhost:PORT/ (another site than 127.0.0.1) with a self-posting login form."""
    html = (f'<!doctype html><html lang="da"><body><form id="f" method="post" '
            f'action="{target}/ui/login"><input name="token" value="{token}">'
            f'<input name="naeste" value="/ui/"><input name="csrf" value="gaet"></form>'
            f'<script>document.getElementById("f").submit()</script></body></html>').encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://localhost:{server.server_port}/"


def test_another_site_cannot_log_the_browser_in_as_the_attacker(
        browser: Any, base: str, demo_world: DemoWorld) -> None:
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/ui/login")  # the victim has seen the login page (its cookie is set)
    server, attack = _attacker_site(base, demo_world.tokens["leder"])
    try:
        with page.expect_response(f"{base}/ui/login") as posted:
            page.goto(attack)
        assert posted.value.status == 403
    finally:
        server.shutdown()
    assert not [c for c in context.cookies() if c["name"] == "af_session"]
    page.goto(f"{base}/ui/")
    assert page.url.startswith(f"{base}/ui/login")  # still not logged in
    context.close()
