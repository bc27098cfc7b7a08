"""bench/bench_load.py's rows: p95 against the target, met worked out from the figures, and
the server's own figures per route (from Server-Timing) in the note."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aftaleflow.db import POOL_OVERFLOW, POOL_SIZE, make_engine
from tests.scale.load import ROUTES, LoadResult, server_timing

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_load


def _result(decision_ms: list[float], matrix_ms: list[float]) -> LoadResult:
    result = LoadResult(requests=len(decision_ms) + len(matrix_ms), chain_ok=True,
                        server_process_cpu=0.5, client_cpu=0.05)
    result.latencies = {"decision": [x / 1000 for x in decision_ms],
                        "matrix": [x / 1000 for x in matrix_ms]}
    for route, wall, cpu in ((ROUTES["decision"], "80.0", "6.5"),
                             (ROUTES["matrix"], "20.0", "9.0")):
        for _ in range(3):
            result.record_server_timing_value(route, f"app;dur={wall}, cpu;dur={cpu}")
    return result


def test_a_row_is_met_only_when_its_p95_is_within_500_ms_with_no_error_and_the_chain_intact(
        ) -> None:
    fast = _result([100.0] * 40, [50.0] * 20)
    rows = bench_load.rows(fast, workers=4, clients=50, raw=0.2)
    assert [r["met"] for r in rows] == [True, True]
    assert {r["target"] for r in rows} == {"p95 ≤ 500 ms, 0 errors, chain intact"}
    decision = rows[0]
    assert decision["name"].endswith("decision p95") and decision["figure"] == pytest.approx(100)
    assert "server POST /agreements/{id}/approvals/{party}: wall p50/p95 80.0/80.0 ms, " \
           "cpu p50/p95 6.5/6.5 ms" in decision["note"]
    assert "server GET /status: wall p50/p95 20.0/20.0 ms" in rows[1]["note"]

    slow = _result([100.0] * 30 + [900.0] * 10, [50.0] * 20)
    assert [r["met"] for r in bench_load.rows(slow, workers=4, clients=50, raw=0.2)] == [
        False, True]
    failed = _result([100.0] * 40, [50.0] * 20)
    failed.errors.append("POST /agreements/1/approvals/657: 409 ...")
    assert not any(r["met"] for r in bench_load.rows(failed, workers=4, clients=50, raw=0.2))
    broken = _result([100.0] * 40, [50.0] * 20)
    broken.chain_ok = False
    assert not any(r["met"] for r in bench_load.rows(broken, workers=4, clients=50, raw=0.2))


def test_the_server_timing_header_is_read_into_milliseconds() -> None:
    assert server_timing("app;dur=12.4, cpu;dur=3.1") == {"app": 12.4, "cpu": 3.1}
    assert server_timing("") == {} and server_timing("app;desc=x") == {}


def test_a_postgresql_engine_keeps_15_connections_and_opens_5_more_at_most() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connects
    assert (POOL_SIZE, POOL_OVERFLOW) == (15, 5)
    assert engine.pool.size() == POOL_SIZE and engine.pool._max_overflow == POOL_OVERFLOW  # type: ignore[attr-defined]
    engine.dispose()
