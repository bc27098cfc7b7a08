"""Each API worker warms up at start with requests that are refused: nothing is read for
anybody or written, and a database that cannot answer does not stop the start."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from aftaleflow.api.app import create_app
from aftaleflow.api.warmup import REQUESTS, _request
from aftaleflow.db import POOL_SIZE, make_engine
from aftaleflow.domain.model import AuditEvent, User
from tests.conftest import BACKEND


def test_the_warm_up_requests_are_all_refused_and_change_nothing(engine, clock) -> None:
    def snapshot() -> tuple[int, list[object]]:
        with engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
                    list(conn.execute(select(User.token_last_used_at)).scalars()))

    before = snapshot()
    app = create_app(engine, clock)
    with TestClient(app), ThreadPoolExecutor(max_workers=1) as thread:
        # the lifespan ran the warm-up; the requests again, each on a loop of its own thread
        # (a pytest worker that ran Playwright's sync API keeps a loop on this one)
        statuses = [thread.submit(asyncio.run, _request(app, method, path, body)).result()
                    for method, path, body in REQUESTS]
    assert all(status in (401, 404, 307, 303) for status in statuses), statuses
    assert snapshot() == before


def test_a_worker_starts_when_the_database_cannot_answer(tmp_path: Path) -> None:
    app = create_app(make_engine(f"sqlite:///{tmp_path / 'ingen-tabeller.db'}"))
    with TestClient(app, raise_server_exceptions=False) as client:  # started all the same
        answer = client.get("/status", headers={"Authorization": "Bearer af_" + "x" * 40})
    assert answer.status_code == 503
    assert "aftaleflow init" in answer.json()["detail"]


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's pool")
def test_a_postgresql_worker_opens_its_pools_kept_connections_before_its_first_caller(
        db_url: str, clock) -> None:
    engine = make_engine(db_url)
    try:
        with TestClient(create_app(engine, clock)):
            assert engine.pool.checkedin() == POOL_SIZE  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_a_served_worker_moves_its_start_up_objects_out_of_the_collectors_way(
        tmp_path: Path) -> None:
    """`aftaleflow api`'s app freezes what its start made (gc.freeze, after the warm-up); an
    app made for a test or a script does not touch the collector."""
    import subprocess
    import sys

    script = """
import asyncio, gc
from aftaleflow.api.app import create_app, create_served_app

async def frozen_after_start(app):
    async with app.router.lifespan_context(app):
        return gc.get_freeze_count()

plain = asyncio.run(frozen_after_start(create_app()))
served = asyncio.run(frozen_after_start(create_served_app()))
print(plain, served, gc.get_threshold()[0])
"""
    env = {"AFTALEFLOW_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    plain, served, threshold = (int(n) for n in done.stdout.split())
    assert plain == 0
    assert served > 10_000  # modules, the app's routes, compiled queries: all of start-up
    assert threshold == 700  # Python's own thresholds for the requests
