"""A real `prefect server start` on 127.0.0.1, `aftaleflow serve` against it, one run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.factories import agreement_in_state
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except httpx.HTTPError:
            result = None
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.slow
def test_served_deployment_runs_on_a_real_prefect_server(db_url, ctx, tmp_path) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_API_URL=api,
               AFTALEFLOW_DATABASE_URL=db_url, AFTALEFLOW_STATE_DIR=str(tmp_path / "state"))
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server.log", "wb"))  # noqa: SIM115
    served = None
    try:
        with httpx.Client(base_url=api, timeout=10) as client:
            _wait(lambda: client.get("/health").status_code == 200, 180, "prefect server")
            served = subprocess.Popen([sys.executable, "-m", "aftaleflow", "serve"], env=env,
                                      cwd=ROOT, stdout=open(tmp_path / "serve.log", "wb"),  # noqa: SIM115
                                      stderr=subprocess.STDOUT)

            def deployment() -> dict | None:
                found = client.post("/deployments/filter", json={
                    "deployments": {"name": {"any_": ["anmodninger-om-godkendelse"]}}}).json()
                return found[0] if found else None

            dep = _wait(deployment, 120, "the served deployment")
            assert dep["schedules"][0]["schedule"]["timezone"] == "Europe/Copenhagen"

            def create_run() -> dict | None:
                # Prefect's own SQLite database answers 503 while busy: ask again.
                created = client.post(f"/deployments/{dep['id']}/create_flow_run", json={})
                return created.json() if created.status_code == 201 else None

            run = _wait(create_run, 120, "a flow run to be created")

            def finished() -> dict | None:
                answer = client.get(f"/flow_runs/{run['id']}")
                if answer.status_code != 200:
                    return None
                state = answer.json()["state"]
                return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED") else None

            state = _wait(finished, 180, "the flow run")
        assert state["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
        mails = list((tmp_path / "state" / "outbox").glob("*.eml"))
        assert len(mails) == 7
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
