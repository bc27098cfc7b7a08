"""A real `prefect server start` on 127.0.0.1, `aftaleflow serve` against it, one run."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import agreement_in_state
from tests.processes import prefect_server, start_module, stop_process, wait_for


@pytest.mark.slow
def test_served_deployment_runs_on_a_real_prefect_server(db_url, ctx, tmp_path) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    with prefect_server(tmp_path, timeout=180) as prefect_env:
        env = dict(prefect_env, AFTALEFLOW_DATABASE_URL=db_url,
                   AFTALEFLOW_STATE_DIR=str(tmp_path / "state"))
        served = start_module(["aftaleflow", "serve"], env, tmp_path / "serve.log")
        try:
            with httpx.Client(base_url=env["PREFECT_API_URL"], timeout=10) as client:

                def deployment() -> dict | None:
                    found = client.post("/deployments/filter", json={
                        "deployments": {"name": {"any_": ["anmodninger-om-godkendelse"]}}}).json()
                    return found[0] if found else None

                dep = wait_for(deployment, 120, "the served deployment")
                assert dep["schedules"][0]["schedule"]["timezone"] == "Europe/Copenhagen"

                def create_run() -> dict | None:
                    # Prefect's own SQLite database answers 503 while busy: ask again.
                    created = client.post(f"/deployments/{dep['id']}/create_flow_run", json={})
                    return created.json() if created.status_code == 201 else None

                run = wait_for(create_run, 120, "a flow run to be created")

                def finished() -> dict | None:
                    answer = client.get(f"/flow_runs/{run['id']}")
                    if answer.status_code != 200:
                        return None
                    state = answer.json()["state"]
                    return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED") else None

                state = wait_for(finished, 180, "the flow run")
        finally:
            stop_process(served)
    assert state["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
    mails = list((tmp_path / "state" / "outbox").glob("*.eml"))
    assert len(mails) == 7
