"""Two runs of the reminder deployment at the same moment, on two `prefect worker` processes
against one PostgreSQL database: both complete, and a real SMTP server gets each reminder once
(the second run finds each key queued already, instead of failing on the unique index)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import BACKEND
from tests.factories import agreement_in_state
from tests.processes import ROOT, start_module, stop_process, wait_for
from tests.scale.test_prefect_workers import POOL, prefect_env  # noqa: F401  (fixture)
from tests.smtp_server import SmtpTestServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason=(
        "the production layout keeps Prefect's and our data in PostgreSQL: runs on PostgreSQL "
        "only (AFTALEFLOW_TEST_DATABASE=postgresql, CI's second run)")),
]


def test_two_reminder_runs_on_two_workers_complete_and_send_each_reminder_once(
        prefect_env: dict[str, str], ctx: Any, db_url: str,  # noqa: F811
        tmp_path: Path) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    deadline = min(a.deadline for a in view.approvals if a.deadline)
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
                def online() -> bool:
                    answer = client.post(f"/work_pools/{POOL}/workers/filter", json={}).json()
                    return sum(w["status"] == "ONLINE" for w in answer) == 2

                wait_for(online, 180, "two online workers")
                found = client.post("/deployments/filter", json={
                    "work_pools": {"name": {"any_": [POOL]}}}).json()
                reminders = next(d["id"] for d in found if d["name"] == "daglige-rykkere")
                runs = [client.post(f"/deployments/{reminders}/create_flow_run", json={
                    "parameters": {"today": deadline.isoformat()}}) for _ in range(2)]
                assert all(r.status_code == 201 for r in runs), [r.text for r in runs]

                def finished() -> list[str] | None:
                    states = [client.get(f"/flow_runs/{r.json()['id']}").json()["state"]["type"]
                              for r in runs]
                    done = all(s in ("COMPLETED", "FAILED", "CRASHED") for s in states)
                    return states if done else None

                states = wait_for(finished, 400, "both reminder runs")
                logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in (1, 2))
                assert states == ["COMPLETED", "COMPLETED"], logs[-4000:]
                assert "duplicate key" not in logs
        finally:
            for w in workers:
                stop_process(w)
        received = Counter(m.message["Message-ID"] for m in smtp.received)
    assert len(received) == 12 and set(received.values()) == {1}
