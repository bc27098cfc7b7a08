"""Token lifecycle: expiry, revocation and rotation take effect on the very next request in
the API, the dashboard and the calendar feed; logout ends the session on the server."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from aftaleflow.domain.model import AuditEvent, User
from aftaleflow.services.access.users import create_user, list_users
from tests.api.conftest import auth
from tests.cli.test_cli import env_for, run
from tests.web.conftest import csrf_of, feed_address, log_in, login_data


def _events(engine, *triggers: str) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent.trigger).where(
            col(AuditEvent.trigger).in_(triggers)).order_by(col(AuditEvent.id))))


def _three_ways_in(app, token: str) -> tuple[TestClient, TestClient, str]:
    """An API client, a logged-in dashboard and a calendar address, all for one token."""
    api = TestClient(app)
    dashboard = TestClient(app)
    address = feed_address(dashboard, token)
    return api, dashboard, address


def _works(app, api: TestClient, dashboard: TestClient, address: str, token: str) -> list[int]:
    return [api.get("/status", headers=auth(token)).status_code,
            dashboard.get("/ui/", follow_redirects=False).status_code,
            TestClient(app).get(address).status_code]


def test_a_token_expires_after_its_days_everywhere_at_once(app, ctx, clock) -> None:
    _user, token = create_user(ctx, "Kortvarig Leder", "leder", days=2)
    api, dashboard, address = _three_ways_in(app, token)
    assert _works(app, api, dashboard, address, token) == [200, 200, 200]
    clock.current += timedelta(hours=47)
    log_in(dashboard, token)  # a fresh session, yet it ends with the token, not 12 h later
    assert _works(app, api, dashboard, address, token) == [200, 200, 200]
    clock.current += timedelta(hours=1, seconds=1)
    assert _works(app, api, dashboard, address, token) == [401, 303, 401]
    assert "udløbet" in api.get("/status", headers=auth(token)).json()["detail"]
    fresh = TestClient(app)
    assert fresh.post("/ui/login", data=login_data(fresh, token)).status_code == 401
    assert [u.token_status for u in list_users(ctx) if u.name == "Kortvarig Leder"] == ["udløbet"]


def test_the_default_lifetime_is_a_setting(ctx, monkeypatch) -> None:
    monkeypatch.setenv("AFTALEFLOW_TOKEN_DAYS", "7")
    user, _token = create_user(ctx, "Syv Dage", "leder")
    assert user.token_expires_at == ctx.now() + timedelta(days=7)
    monkeypatch.delenv("AFTALEFLOW_TOKEN_DAYS")
    user, _token = create_user(ctx, "Halvfems Dage", "leder")
    assert user.token_expires_at == ctx.now() + timedelta(days=90)


def test_revocation_is_refused_on_the_next_request_by_api_dashboard_and_feed(
        app, ctx, world, engine) -> None:
    user, token = create_user(ctx, "Lækket Leder", "leder")
    api, dashboard, address = _three_ways_in(app, token)
    assert _works(app, api, dashboard, address, token) == [200, 200, 200]
    admin = auth(world.tokens["admin"])
    revoked = api.post(f"/users/{user.id}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["token_status"] == "tilbagekaldt"
    assert _works(app, api, dashboard, address, token) == [401, 303, 401]
    assert _events(engine, "tilbagekald_token") == ["tilbagekald_token"]


def test_rotation_replaces_the_token_and_ends_the_old_sessions(app, ctx, world, engine) -> None:
    user, old = create_user(ctx, "Roteret Leder", "leder")
    api, dashboard, address = _three_ways_in(app, old)
    rotated = api.post(f"/users/{user.id}/rotate", json={"days": 30},
                       headers=auth(world.tokens["admin"]))
    assert rotated.status_code == 200
    new = rotated.json()["token"]
    assert new != old and rotated.json()["user"]["token_status"] == "aktiv"
    assert api.get("/status", headers=auth(old)).status_code == 401
    assert api.get("/status", headers=auth(new)).status_code == 200
    assert dashboard.get("/ui/", follow_redirects=False).status_code == 303  # logged out
    assert TestClient(app).get(address).status_code == 200  # the calendar key lives on
    assert _events(engine, "forny_token") == ["forny_token"]


def test_a_calendar_key_opens_only_the_feed_and_can_be_revoked(app, ctx, engine) -> None:
    _user, token = create_user(ctx, "Kalender Leder", "leder")
    dashboard = TestClient(app)
    address = feed_address(dashboard, token)
    key = address.split("noegle=", 1)[1]
    assert address.startswith("http://127.0.0.1:8000/ui/kalender.ics?noegle=afk_")
    assert TestClient(app).get("/status", headers=auth(key)).status_code == 401
    fresh = TestClient(app)
    assert fresh.post("/ui/login", data=login_data(fresh, key)).status_code == 401
    dropped = dashboard.post("/ui/kalender/noegle/slet",
                             data={"csrf": csrf_of(dashboard, "/ui/kalender")})
    assert dropped.status_code == 200
    assert TestClient(app).get(address).status_code == 401
    assert _events(engine, "opret_kalendernoegle", "tilbagekald_kalendernoegle") == [
        "opret_kalendernoegle", "tilbagekald_kalendernoegle"]


def test_logout_ends_the_session_on_the_server(app, world, engine) -> None:
    browser = log_in(TestClient(app), world.tokens["leder"])
    stolen = browser.cookies.get("af_session")
    assert stolen and stolen.startswith("afs_")
    assert world.tokens["leder"] not in str(browser.cookies.jar)  # the token is no cookie
    out = browser.post("/ui/logout", data={"csrf": csrf_of(browser)}, follow_redirects=False)
    assert out.status_code == 303
    replay = TestClient(app, cookies={"af_session": stolen})
    assert replay.get("/ui/", follow_redirects=False).status_code == 303
    assert _events(engine, "log_ind", "log_ud") == ["log_ind", "log_ud"]


def test_last_use_is_recorded(app, ctx, world, engine) -> None:
    before = {u.name: u.token_last_used_at for u in list_users(ctx)}
    assert before["Test leder"] is None
    assert TestClient(app).get("/status", headers=auth(world.tokens["leder"])).status_code == 200
    with Session(engine) as session:
        used = session.exec(select(User.token_last_used_at).where(
            User.name == "Test leder")).one()
    assert used == ctx.now()


def test_users_page_lets_an_administrator_revoke_and_rotate(app, ctx, world) -> None:
    user, token = create_user(ctx, "Side Leder", "leder")
    admin = log_in(TestClient(app), world.tokens["admin"])
    listing = admin.get("/ui/brugere")
    assert listing.status_code == 200 and "Side Leder" in listing.text
    assert token not in listing.text
    csrf = csrf_of(admin, "/ui/brugere")
    rotated = admin.post(f"/ui/brugere/{user.id}/forny", data={"csrf": csrf})
    new = re.search(r"<code class=\"feed\">(af_[^<]+)</code>", rotated.text)
    assert new and new.group(1) != token
    assert TestClient(app).get("/status", headers=auth(new.group(1))).status_code == 200
    revoked = admin.post(f"/ui/brugere/{user.id}/tilbagekald", data={"csrf": csrf},
                         follow_redirects=False)
    assert revoked.status_code == 303
    assert TestClient(app).get("/status", headers=auth(new.group(1))).status_code == 401
    manager = log_in(TestClient(app), world.tokens["leder"])
    assert manager.get("/ui/brugere").status_code == 403
    assert 'href="/ui/brugere"' not in manager.get("/ui/").text


def test_cli_revokes_rotates_and_lists_tokens(db_url) -> None:
    env = env_for(db_url)
    created = run(["user", "create", "Cli Leder", "--role", "leder", "--days", "10"], env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("af_")
    rotated = run(["user", "rotate", "Cli Leder"], env)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().splitlines()[-1] not in (token, "")
    revoked = run(["user", "revoke", "Cli Leder"], env)
    assert revoked.returncode == 0 and "tilbagekaldt" in revoked.stdout
    listed = run(["user", "list"], env)
    assert "tilbagekaldt" in listed.stdout and token not in listed.stdout
    missing = run(["user", "revoke", "Ingen Sådan"], env)
    assert missing.returncode == 3 and "findes ikke" in missing.stderr
    assert "Traceback" not in missing.stderr
