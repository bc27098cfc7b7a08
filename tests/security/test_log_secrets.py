"""The real server (`aftaleflow api`, its own log configuration) never writes a secret to its
log, whatever request carries one; no redirect puts a secret into a URL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live_server import free_port
from tests.web.conftest import login_data

SECRET_SHAPE = re.compile(rb"af[ks]?_[A-Za-z0-9_\-]{16,}")


def _start(db_url: str, log: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=db_url, AFTALEFLOW_TODAY="2026-03-02")
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "aftaleflow", "api", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)


def _wait(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        try:
            httpx.get(f"{base}/openapi.json", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _every_kind_of_request(base: str, token: str, admin: str) -> list[str]:
    """Requests that carry a secret in a header, a cookie, a form, a body and a query."""
    secrets = [token, admin]
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=30) as c:
        assert c.get("/status", headers=h).status_code == 200
        assert c.get("/agreements/999999", headers=h).status_code == 404
        assert c.delete("/status", headers=h).status_code == 405
        assert c.get("/status", headers={"Authorization": "Bearer af_" + "x" * 43}
                     ).status_code == 401
        assert c.post("/users", json={"name": token, "role": "nobody"},
                      headers={"Authorization": f"Bearer {admin}"}).status_code == 422
        for path in (f"/status?token={token}", f"/ui/?token={token}",
                     f"/ui/matrix?region=x&access_token={token}",
                     f"/ui/kalender.ics?token={token}", f"/nowhere?token={token}"):
            response = c.get(path, follow_redirects=False)
            assert token not in response.headers.get("location", "")
        made = c.post("/me/feed-key", headers=h)
        assert made.status_code == 200
        feed = made.json()["feed_url"]
        secrets.append(feed.split("noegle=")[1])
        assert c.get(feed.replace("http://127.0.0.1:8000", base)).status_code == 200
        assert c.get("/ui/kalender.ics?noegle=afk_" + "y" * 43).status_code == 401
        login = c.post("/ui/login", data=login_data(c, token, f"/ui/?token={token}"),
                       follow_redirects=False)
        assert login.status_code == 303 and token not in login.headers["location"]
        session = c.cookies.get("af_session")
        assert session
        secrets.append(session)
        page = c.get("/ui/kalender")
        assert page.status_code == 200
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert csrf
        c.post("/ui/logout", data={"csrf": csrf.group(1)})
    return secrets


def test_the_server_log_holds_no_secret(db_url, world, tmp_path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    server = _start(db_url, log, port)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base, server)
        secrets = _every_kind_of_request(base, world.tokens["leder"], world.tokens["admin"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_bytes()
    assert b'"GET /status HTTP/1.1" 200' in text  # the access log was written
    assert b"/ui/kalender.ics?[skjult]" in text  # ... with the feed's query hidden
    for secret in secrets:
        assert secret.encode() not in text
    assert not SECRET_SHAPE.findall(text), SECRET_SHAPE.findall(text)[:3]
