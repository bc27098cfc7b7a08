"""The login form is protected against CSRF: another site cannot log a browser in as someone
else, and the page says truthfully what the cookie holds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import login_data


def test_a_login_posted_from_another_site_is_refused_and_starts_no_session(
        shared_client, world) -> None:
    browser = TestClient(shared_client.app)
    # another site's form: the attacker's valid token, but no login cookie of this browser
    forged = browser.post("/ui/login", data={"token": world.tokens["leder"], "naeste": "/ui/"},
                          headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "CSRF" in forged.text
    assert "af_session" not in forged.headers.get("set-cookie", "")
    assert browser.get("/ui/", follow_redirects=False).status_code == 303  # not logged in


def test_a_login_whose_field_does_not_match_the_cookie_is_refused(shared_client, world) -> None:
    browser = TestClient(shared_client.app)
    data = {**login_data(browser, world.tokens["leder"]), "csrf": "x" * 43}
    assert browser.post("/ui/login", data=data, follow_redirects=False).status_code == 403
    good = browser.post("/ui/login", data=login_data(browser, world.tokens["leder"]),
                        follow_redirects=False)
    assert good.status_code == 303


def test_the_login_page_says_the_cookie_holds_a_session_key_not_the_token(
        shared_client) -> None:
    page = " ".join(TestClient(shared_client.app).get("/ui/login").text.split())
    assert "tilfældig sessionsnøgle" in page
    assert "Tokenet gemmes ikke i browseren" in page
    assert "Tokenet gemmes i en cookie" not in page
