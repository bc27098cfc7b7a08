"""The production layout of deploy/: `prefect server` on PostgreSQL, `aftaleflow deploy`, and
two `prefect worker` processes running the deployments against one PostgreSQL database.

A real SMTP server on 127.0.0.1 counts the round letters: each party gets one, even when the
letter flow runs twice.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from flows.deployments import PLANS, TIMEZONE
from tests.conftest import BACKEND, Databases
from tests.factories import agreement_in_state
from tests.processes import ROOT, prefect_server, start_module, stop_process, wait_for
from tests.smtp_server import SmtpTestServer

POOL = "aftaleflow"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason=(
        "the production layout keeps Prefect's and our data in PostgreSQL: runs on PostgreSQL "
        "only (AFTALEFLOW_TEST_DATABASE=postgresql, CI's second run)")),
]


@pytest.fixture
def prefect_env(databases: Databases, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real `prefect server start` keeping its own state in its own PostgreSQL database."""
    prefect_db = make_url(databases.create("prefect")).set(drivername="postgresql+asyncpg")
    try:
        with prefect_server(tmp_path, PREFECT_API_DATABASE_CONNECTION_URL=prefect_db
                            .render_as_string(hide_password=False),
                            PREFECT_LOGGING_TO_API_ENABLED="false") as env:
            yield env
    finally:
        databases.drop("prefect")


def run_letters_and_wait(client: httpx.Client, deployment_id: str) -> dict[str, Any]:
    run = client.post(f"/deployments/{deployment_id}/create_flow_run", json={})
    assert run.status_code == 201, run.text

    def finished() -> dict[str, Any] | None:
        state = client.get(f"/flow_runs/{run.json()['id']}").json()["state"]
        return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED") else None

    return wait_for(finished, 240, "the flow run")


def test_two_prefect_workers_run_the_deployments_and_each_letter_goes_once(
        prefect_env: dict[str, str], ctx: Any, db_url: str, tmp_path: Path) -> None:
    agreement_in_state(ctx, "i_godkendelse")  # a round of seven parties
    with SmtpTestServer() as smtp:
        env = dict(prefect_env, AFTALEFLOW_DATABASE_URL=db_url,
                   AFTALEFLOW_STATE_DIR=str(tmp_path / "state"),
                   AFTALEFLOW_SMTP_HOST="127.0.0.1", AFTALEFLOW_SMTP_PORT=str(smtp.port))
        deployed = subprocess.run([sys.executable, "-m", "aftaleflow", "deploy", "--pool", POOL],
                                  env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert deployed.returncode == 0, deployed.stderr[-3000:]
        workers = [start_module(["prefect", "worker", "start", "--pool", POOL, "--type",
                                 "process", "--name", f"aftaleflow-worker-{i}"],
                                env, tmp_path / f"worker{i}.log")
                   for i in (1, 2)]
        try:
            with httpx.Client(base_url=prefect_env["PREFECT_API_URL"], timeout=30) as client:
                found = client.post("/deployments/filter", json={
                    "work_pools": {"name": {"any_": [POOL]}}}).json()
                by_name = {d["name"]: d for d in found}
                assert set(by_name) == {p.name for p in PLANS}
                for p in PLANS:
                    schedule = by_name[p.name]["schedules"][0]["schedule"]
                    assert (schedule["cron"], schedule["timezone"]) == (p.cron, TIMEZONE)

                def online() -> list[str] | None:
                    answer = client.post(f"/work_pools/{POOL}/workers/filter", json={}).json()
                    names = sorted(w["name"] for w in answer if w["status"] == "ONLINE")
                    return names if len(names) == 2 else None

                assert wait_for(online, 180, "two online workers") == [
                    "aftaleflow-worker-1", "aftaleflow-worker-2"]
                letters = by_name["anmodninger-om-godkendelse"]["id"]
                for _ in range(2):  # the second run finds every letter sent already
                    state = run_letters_and_wait(client, letters)
                    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in (1, 2))
                    assert state["type"] == "COMPLETED", logs[-4000:]
        finally:
            for w in workers:
                stop_process(w)
        recipients = [m.rcpt_tos for m in smtp.received]
    assert len(recipients) == 7
    assert len(set(recipients)) == 7
