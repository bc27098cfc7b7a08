"""Staff sign in with OpenID Connect against a real provider (oidc-provider-mock on loopback),
in Chromium; tampered ID tokens from that provider are refused and logged without the token."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import werkzeug.serving
from sqlmodel import Session, select

from aftaleflow.api.app import create_app
from aftaleflow.domain.model import AuditEvent, User
from tests.factories import agreement_in_state
from tests.live_server import live_server
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow

MAPPING = """\
version: 1
contact: "Regionens IT-servicedesk (it@region.example)"
roles:
  - {claim: groups, value: aftaleflow-sagsbehandlere, role: sagsbehandler}
  - {claim: roles, value: Aftaleflow.Part, role: part,
     body: {claim: kommunekode, template: "kb-{value}"}}
"""
STAFF = {"groups": ["aftaleflow-sagsbehandlere"]}
REASONS = {"falsk-udsteder": "InvalidClaimError: Invalid claim: 'iss'",
           "falsk-modtager": "InvalidClaimError: Invalid claim: 'aud'",
           "falsk-nonce": "InvalidClaimError: Invalid claim: 'nonce'",
           "udloebet": "ExpiredTokenError"}


JWT = re.compile(r"eyJ[\w-]+\.[\w-]+")


def _our_log(caplog: pytest.LogCaptureFixture) -> str:
    """What aftaleflow itself logged (the provider's own request log is not ours)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("aftaleflow"))


def _users() -> list[object]:
    from oidc_provider_mock import User as Person

    past = int(time.time()) - 3600
    return [
        Person(sub="ane", claims={"name": "Ane Holm", **STAFF}),
        Person(sub="karl", claims={"name": "Karl Kolding", "roles": ["Aftaleflow.Part"],
                        "kommunekode": "621"}),
        Person(sub="uden", claims={"name": "Uden Adgang", "groups": ["andre"]}),
        # the provider signs these with its own key, with one claim wrong
        Person(sub="falsk-udsteder", claims={"name": "X", **STAFF, "iss": "http://127.0.0.1:9/evil"}),
        Person(sub="falsk-modtager", claims={"name": "X", **STAFF, "aud": "en-anden-klient",
                                                  "azp": "aftaleflow-test"}),
        Person(sub="falsk-nonce", claims={"name": "X", **STAFF, "nonce": "en-gammel-nonce"}),
        Person(sub="udloebet", claims={"name": "X", **STAFF, "exp": past, "iat": past - 60}),
    ]


@pytest.fixture
def provider() -> Iterator[str]:
    """A real OpenID Connect provider on 127.0.0.1 (nonce required, RS256, end_session)."""
    from oidc_provider_mock import app

    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, app(require_nonce=True, user_claims=_users()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def _flip_signature(body: bytes) -> bytes:
    """The token endpoint's answer with one character of the ID token's signature changed."""
    answer = json.loads(body)
    header, payload, signature = answer["id_token"].split(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    answer["id_token"] = ".".join([header, payload,
                                   signature[:middle] + swapped + signature[middle + 1:]])
    return json.dumps(answer).encode()


@pytest.fixture
def tampering_proxy(provider: str) -> Iterator[str]:
    """The provider behind a man in the middle that alters the ID token's signature. The Host
    header is passed on, so the provider names the proxy as issuer and in every endpoint."""

    class Forward(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("content-length", "connection")}
            reply = httpx.request(self.command, provider + self.path, headers=headers,
                                  content=self.rfile.read(length) if length else None,
                                  follow_redirects=False, timeout=30)
            body = reply.content
            if self.path.startswith("/oauth2/token") and reply.status_code == 200:
                body = _flip_signature(body)
            self.send_response(reply.status_code)
            for key, value in reply.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                       "content-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def site(ctx, engine, clock, provider, tmp_path: Path, monkeypatch) -> Iterator[str]:
    agreement_in_state(ctx, "i_godkendelse")
    mapping = tmp_path / "roller.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    monkeypatch.setenv("AFTALEFLOW_OIDC_ISSUER", provider)
    monkeypatch.setenv("AFTALEFLOW_OIDC_CLIENT_ID", "aftaleflow-test")
    monkeypatch.setenv("AFTALEFLOW_OIDC_CLIENT_SECRET", "hemmelig-klient")
    monkeypatch.setenv("AFTALEFLOW_OIDC_CLAIM_MAPPING", str(mapping))
    with live_server(create_app(engine, clock)) as base:
        monkeypatch.setenv("AFTALEFLOW_BASE_URL", base)
        yield base


def _sign_in_over_http(base: str, sub: str) -> httpx.Response:
    """The browser's steps as plain HTTP: our redirect, the provider's form, its answer."""
    with httpx.Client(timeout=30) as c:
        start = c.get(f"{base}/ui/login/oidc", follow_redirects=False)
        assert start.status_code == 303, start.text
        authorize = start.headers["location"]
        answer = c.post(authorize, data={"sub": sub}, follow_redirects=False)
        assert answer.status_code == 302, answer.text
        callback = answer.headers["location"]
        assert callback.startswith(f"{base}/ui/login/oidc/svar?")
        return c.get(callback, follow_redirects=False)


def test_staff_sign_in_lands_on_the_overview_acts_and_signs_out(site, engine, ctx) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{site}/ui/")
        page.click("#log-ind-organisation")
        page.click("button[name=sub][value=karl]")  # the provider's sign-in form
        page.wait_for_url(f"{site}/ui/")
        who = page.locator(".who").inner_text()
        assert "Karl Kolding" in who and "Part" in who and "Kolding Kommune" in who
        # acts: records Kolding's decision on its own decision page
        agreement = 1
        page.goto(f"{site}/ui/aftaler/{agreement}/parter/kb-621")
        page.check("input[name=decision][value=godkendt]")
        page.click("button:has-text('Registrér beslutning')")
        assert "Registreret" in page.locator(".flash").inner_text()
        # signs out: our session ends, then the provider's end-session page
        page.click("button:has-text('Log ud')")
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(f"{site}/ui/login")
        page.goto(f"{site}/ui/")
        assert page.url.startswith(f"{site}/ui/login")
        browser.close()
    with Session(engine) as s:
        user = s.exec(select(User).where(User.name == "Karl Kolding")).one()
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "user",
                                                 AuditEvent.entity_id == user.id)).all()
        decision = s.exec(select(AuditEvent).where(AuditEvent.trigger == "godkend")).one()
    assert user.role == "part" and user.oidc_subject and user.oidc_subject.endswith("|karl")
    assert [e.trigger for e in events] == ["opret_bruger", "log_ind", "log_ud"]
    assert decision.actor == "Karl Kolding"


def test_a_staff_member_gets_the_role_from_the_claims(site, engine) -> None:
    answer = _sign_in_over_http(site, "ane")
    assert answer.status_code == 200 and 'content="0;url=/ui/"' in answer.text
    assert "af_session=afs_" in answer.headers["set-cookie"]
    assert "HttpOnly" in answer.headers["set-cookie"]
    with Session(engine) as s:
        user = s.exec(select(User).where(User.name == "Ane Holm")).one()
    assert user.role == "sagsbehandler" and user.body_id is None


def test_an_unmapped_person_is_refused_with_whom_to_ask(site, engine) -> None:
    answer = _sign_in_over_http(site, "uden")
    assert answer.status_code == 403
    assert "har ikke adgang til aftaleflow" in answer.text
    assert "Regionens IT-servicedesk" in answer.text
    with Session(engine) as s:
        assert s.exec(select(User).where(User.name == "Uden Adgang")).first() is None


@pytest.mark.parametrize("sub", ["falsk-udsteder", "falsk-modtager", "falsk-nonce",
                                 "udloebet"])
def test_a_tampered_id_token_is_refused_and_logged_without_the_token(site, engine, sub,
                                                                     caplog) -> None:
    answer = _sign_in_over_http(site, sub)
    assert answer.status_code == 401, answer.text
    assert "Log-ind blev afvist" in answer.text
    assert "af_session" not in answer.headers.get("set-cookie", "")
    ours = _our_log(caplog)
    assert f"ID-token afvist ({REASONS[sub]}" in ours and not JWT.search(ours)
    with Session(engine) as s:
        assert s.exec(select(User).where(User.name == "X")).first() is None


def test_an_id_token_with_an_altered_signature_is_refused(site, tampering_proxy, engine,
                                                          monkeypatch, caplog) -> None:
    monkeypatch.setenv("AFTALEFLOW_OIDC_ISSUER", tampering_proxy)
    answer = _sign_in_over_http(site, "ane")
    assert answer.status_code == 401, answer.text
    assert "Log-ind blev afvist" in answer.text
    ours = _our_log(caplog)
    assert "ID-token afvist (BadSignatureError" in ours and not JWT.search(ours)
    with Session(engine) as s:
        assert s.exec(select(User).where(User.name == "Ane Holm")).first() is None


def test_the_login_page_offers_the_token_form_without_a_provider(ctx, engine, clock,
                                                                 monkeypatch) -> None:
    from fastapi.testclient import TestClient

    monkeypatch.delenv("AFTALEFLOW_OIDC_ISSUER", raising=False)
    page = TestClient(create_app(engine, clock)).get("/ui/login")
    assert 'name="token"' in page.text and "log-ind-organisation" not in page.text
