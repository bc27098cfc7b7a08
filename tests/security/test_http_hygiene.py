"""HTTP hygiene: Allow on 405, every error answer declared, strict dates, links from the
configured base URL only, and security headers without inline script on the dashboard."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from aftaleflow.api.app import create_app
from aftaleflow.api.problems import COMMON, WITH_BODY
from tests.api.conftest import auth
from tests.web.conftest import feed_address, log_in


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/users", "GET, POST, HEAD"),
    ("PUT", "/agreements/1", "GET, HEAD"),
    ("GET", "/users/1/revoke", "POST"),
    ("PATCH", "/users/1/feed-key", "POST, DELETE"),
    ("POST", "/ui/matrix", "GET, HEAD"),
])
def test_a_405_answer_names_the_allowed_methods(shared_client, method, path, allowed) -> None:
    response = shared_client.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.headers["content-type"] == "application/problem+json"
    assert allowed in response.json()["detail"]


def test_every_operation_declares_its_error_answers() -> None:
    paths = create_app().openapi()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            expected = set(COMMON) | (set(WITH_BODY) if method != "get" else set())
            declared = {int(code) for code in operation["responses"] if code.isdigit()}
            assert expected <= declared, (method, path, expected - declared)
    assert "428" in paths["/agreements/{agreement_id}/transitions"]["post"]["responses"]


@pytest.mark.parametrize("value", ["0", "1", "20260601", "2026-06-01T00:00:00", "1.6.2026",
                                   "2026-13-01"])
def test_a_date_must_be_written_as_a_date(shared_client, world, value) -> None:
    response = shared_client.get("/regions", params={"date": value},
                                 headers=auth(world.tokens["leder"]))
    assert response.status_code == 422, value
    assert "dato" in response.json()["detail"]


def test_dates_in_bodies_are_strict_too(client, world) -> None:
    h = auth(world.tokens["sagsbehandler"])
    for bad in (0, "0", "2026-06-16T00:00:00"):
        r = client.post(f"/agreements/{world.midt}/approvals/657",
                        json={"decision": "dagsorden", "meeting_date": bad}, headers=h)
        assert r.status_code == 422, bad
    assert shared_ok(client.get("/regions?date=2027-01-01", headers=h))
    meeting = client.post("/meetings", headers=auth(world.tokens["udvalgssekretaer"]),
                          json={"body": "kb-661", "place": "Rådhuset", "starts_at": 0})
    assert meeting.status_code == 422


def shared_ok(response) -> bool:
    return response.status_code == 200


def test_feed_links_come_from_the_base_url_not_the_host_header(app, world, monkeypatch) -> None:
    monkeypatch.setenv("AFTALEFLOW_BASE_URL", "https://aftaler.example.dk/")
    address = feed_address(TestClient(app), world.tokens["udvalgssekretaer"])
    assert address.startswith("https://aftaler.example.dk/ui/kalender.ics?noegle=afk_")
    evil = TestClient(app, base_url="http://evil.example")
    response = evil.get(address.replace("https://aftaler.example.dk", ""),
                        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert events
    for event in events:
        assert str(event["URL"]).startswith("https://aftaler.example.dk/ui/")


PAGES = ["/ui/", "/ui/matrix", "/ui/moeder", "/ui/kalender", "/ui/livscyklus", "/ui/brugere",
         "/ui/aftaler/{midt}", "/ui/moeder/{meeting}", "/ui/findes-ikke"]


def test_every_dashboard_page_sends_security_headers_and_has_no_inline_script(
        shared_client, world) -> None:
    browser = log_in(TestClient(shared_client.app), world.tokens["admin"])
    pages = [(p, browser.get(p.format(midt=world.midt, meeting=world.meeting))) for p in PAGES]
    pages.append(("/ui/login", TestClient(shared_client.app).get("/ui/login")))
    for path, response in pages:
        headers = response.headers
        csp = headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] in ("same-origin", "no-referrer"), path
        html = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), path
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), path
        assert "javascript:" not in html.lower(), path


def test_links_in_reminder_mails_come_from_the_base_url(ctx, monkeypatch) -> None:
    from aftaleflow.services.mail.reminders import plan_reminders
    from tests.factories import agreement_in_state

    monkeypatch.setenv("AFTALEFLOW_BASE_URL", "https://aftaler.example.dk")
    view = agreement_in_state(ctx, "i_godkendelse")
    deadline = max(a.deadline for a in view.approvals if a.deadline)
    mails = plan_reminders(ctx, deadline)
    assert mails
    for mail in mails:
        links = re.findall(r"https?://\S+", mail.body)
        assert links and all(u.startswith("https://aftaler.example.dk/") for u in links)
