"""API latency under load: 4 uvicorn workers on PostgreSQL, 50 concurrent clients, loopback.

Run: AFTALEFLOW_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
     uv run python bench/bench_load.py [--agreements N] [--clients N] [--workers N]
Creates a database on that server (dropped afterwards), loads the master data, opens N rounds
of 23 parties and sends a fixed number of requests (N × 23 × 3: agenda, matrix read, approval)
through tests/scale/load.py. Prints per kind of request the client's p95 against the target
(p95 ≤ 500 ms, 0 errors, audit chain intact) and its p50, and the server's own figures for the
route from each answer's Server-Timing header (wall and CPU ms, p50/p95: wall far above CPU
means the request waited, for the CPU, a lock or a connection); the raw baseline is one raw
psycopg SELECT 1 round trip. The note also gives the CPU of every server process and of the
load client per request (the client speaks HTTP/1.1 over asyncio streams,
tests/scale/http_client.py: httpx cost about as much CPU a request as the server, on the same
two cores) and how many matrix reads were answered 304 (each client sends the ETag it last
saw, as a polling dashboard would).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from aftaleflow.db import make_engine  # noqa: E402
from aftaleflow.services.structure.masterdata import load_master_data  # noqa: E402
from aftaleflow.services.uow import ServiceContext  # noqa: E402
from tests.scale.load import ROUTES, LoadResult, run_load  # noqa: E402

TARGET_MS = 500.0
TARGET = "p95 ≤ 500 ms, 0 errors, chain intact"


def raw_round_trip_ms(url: str, n: int = 200) -> float:
    """Median of a raw psycopg `SELECT 1` over one open connection (the floor of any request)."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        times = []
        for _ in range(n):
            started = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new database on AFTALEFLOW_BENCH_PG_URL's server for one benchmark, dropped after."""
    server = os.environ.get("AFTALEFLOW_BENCH_PG_URL")
    if not server:
        sys.exit("Set AFTALEFLOW_BENCH_PG_URL to a PostgreSQL server (see .ci/start-postgres).")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agreements", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="JSON lines (for run_all.py)")
    args = parser.parse_args()
    with scratch_database("af_load") as url:
        engine = make_engine(url)
        load_master_data(ServiceContext(engine=engine, actor="bench"))
        engine.dispose()
        result = run_load(url, agreements=args.agreements, clients=args.clients,
                          workers=args.workers)
        raw = raw_round_trip_ms(url)
        for row in rows(result, workers=args.workers, clients=args.clients, raw=raw):
            if args.json:  # one line per kind of request, for run_all.py
                print(json.dumps(row, ensure_ascii=False))
            else:
                print(f"{row['name']}: {row['figure']:.1f} ms – "
                      f"{'met' if row['met'] else 'NOT met'}\n  {row['note']}")
        if not args.json:
            print(result.summary())


def rows(result: LoadResult, *, workers: int, clients: int, raw: float) -> list[dict[str, Any]]:
    """One row per kind of request: its p95 against the target, with the server's own
    figures for its route (Server-Timing: wall and CPU ms, p50/p95) in the note."""
    out = []
    for kind in sorted(result.latencies):
        p95 = result.percentile(kind, 95)
        route = ROUTES[kind]
        out.append({
            "name": f"PostgreSQL API, {workers} workers, {clients} clients: {kind} p95",
            "figure": p95, "baseline": raw, "unit": "ms", "target": TARGET,
            "met": p95 <= TARGET_MS and not result.errors and result.chain_ok,
            "note": f"p50 {result.percentile(kind, 50):.1f} ms, n={len(result.latencies[kind])};"
                    f" {result.server_note(route)}; all server processes "
                    f"{result.server_process_cpu / max(result.requests, 1) * 1000:.1f} ms CPU a "
                    f"request (every route), load client "
                    f"{result.client_cpu / max(result.requests, 1) * 1000:.1f} ms; "
                    f"{result.not_modified} matrix answers 304; {len(result.errors)} errors; chain "
                    f"{'intact' if result.chain_ok else 'BROKEN'}; raw = one SELECT 1 round trip"})
    return out


if __name__ == "__main__":
    main()
