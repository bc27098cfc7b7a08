"""PostgreSQL stopped under a running API server: Danish 503s, a quiet log, recovery on its own.

A real `aftaleflow api` process (uvicorn) on a real PostgreSQL server of its own; a bounded
request loop runs while the server is stopped (`pg_ctl stop -m fast`) and started again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from aftaleflow.db import make_engine
from aftaleflow.services.access.users import create_user
from aftaleflow.services.structure.masterdata import load_master_data
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock
from tests.faults.test_pg_restart import Server, _as_postgres, pytestmark  # noqa: F401
from tests.live_server import free_port
from tests.processes import ROOT, start_module, stop_process, wait_for

API_PATHS = ("/agreements", "/regions", "/meetings", "/status")
NOT_ANSWERING = "Databasen svarer ikke"


@dataclass
class Answers:
    """What the request loop saw, in order: (phase, path, status, content type, body)."""

    seen: list[tuple[str, str, int, str, str, str | None]] = field(default_factory=list)
    phase: str = "oppe"

    def of(self, phase: str) -> list[tuple[str, str, int, str, str, str | None]]:
        return [a for a in self.seen if a[0] == phase]


def _prepare(server: Server) -> tuple[str, str]:
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE aftaleflow"))
    admin.dispose()
    url = server.url("aftaleflow")
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="test", clock=MovableClock())
    load_master_data(ctx)
    _user, token = create_user(ctx, "Lea Leder", "leder", None, days=3650)
    engine.dispose()
    return url, token


def _log_in(client: httpx.Client, token: str) -> None:
    form = client.get("/ui/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    data = {"token": token, "naeste": "/ui/", **({"csrf": csrf.group(1)} if csrf else {})}
    assert client.post("/ui/login", data=data).status_code == 303


def _loop(base: str, token: str, cookies: httpx.Cookies, answers: Answers,
          stop: threading.Event) -> None:
    deadline = time.monotonic() + 240  # bounded, whatever happens to the main thread
    with httpx.Client(base_url=base, timeout=30) as api, \
            httpx.Client(base_url=base, timeout=30, cookies=cookies) as ui:
        while not stop.is_set() and time.monotonic() < deadline:
            for client, path in [(api, p) for p in API_PATHS] + [(ui, "/ui/")]:
                headers = {"Authorization": f"Bearer {token}"} if client is api else {}
                r = client.get(path, headers=headers, follow_redirects=False)
                answers.seen.append((answers.phase, path, r.status_code,
                                     r.headers.get("content-type", ""), r.text,
                                     r.headers.get("retry-after")))
            time.sleep(0.05)


def test_a_stopped_database_is_answered_in_danish_and_the_server_recovers_by_itself(
        server: Server, tmp_path: Path) -> None:
    url, token = _prepare(server)
    env = {**os.environ, "AFTALEFLOW_DATABASE_URL": url,
           "AFTALEFLOW_STATE_DIR": str(tmp_path)}
    port = free_port()
    log = tmp_path / "api.log"
    process = start_module(["aftaleflow", "api", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"
    answers, stop = Answers(), threading.Event()
    try:
        wait_for(lambda: httpx.get(f"{base}/openapi.json").status_code == 200, 60, "the API")
        with httpx.Client(base_url=base, follow_redirects=False) as browser:
            _log_in(browser, token)
            cookies = browser.cookies
        loop = threading.Thread(target=_loop, args=(base, token, cookies, answers, stop),
                                daemon=True)
        loop.start()
        wait_for(lambda: len(answers.of("oppe")) >= 10, 60, "answers before the stop")
        answers.phase = "stopper"
        _as_postgres(f"{server.pg_ctl} stop -m fast")
        answers.phase = "nede"
        wait_for(lambda: len(answers.of("nede")) >= 40, 120, "answers while it is down")
        cli = subprocess.run([sys.executable, "-m", "aftaleflow", "status"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        answers.phase = "starter"
        _as_postgres(f"{server.pg_ctl} -o '-k {server.directory} -h 127.0.0.1 "
                     f"-p {server.port} -c fsync=off' start")
        answers.phase = "igen"
        wait_for(lambda: [a[2] for a in answers.of("igen")][-5:] == [200] * 5, 120,
                 "answers after the restart")
        stop.set()
        loop.join(timeout=60)
    finally:
        stop.set()
        stop_process(process)

    assert cli.returncode == 7, cli.stderr
    assert "databasen svarer ikke" in cli.stderr.lower()
    assert "Traceback" not in cli.stderr

    assert {a[2] for a in answers.of("oppe")} == {200}
    down = answers.of("nede")[5:]  # the first few may still have been answered
    assert {a[2] for a in down} == {503}, {(a[1], a[2]) for a in down}
    for _phase, path, _status, kind, body, retry_after in down:
        assert retry_after is not None and retry_after.isdigit()
        if path.startswith("/ui"):
            assert kind.startswith("text/html") and NOT_ANSWERING in body
        else:
            assert kind == "application/problem+json"
            assert NOT_ANSWERING in httpx.Response(503, content=body).json()["detail"]
    assert all(a[2] in (200, 503) for a in answers.seen), "no bare 500, ever"

    lines = log.read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if "Traceback" in line or "Exception in ASGI" in line]
    failures = [line for line in lines if NOT_ANSWERING in line]
    assert 1 <= len(failures) <= 3, failures  # one line per kind of failure, not per request
