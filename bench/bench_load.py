"""API latency under load: 4 uvicorn workers on PostgreSQL, 50 concurrent clients, loopback.

Run: AFTALEFLOW_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
     uv run python bench/bench_load.py [--agreements N] [--clients N] [--workers N]
Creates a database on that server (dropped afterwards), loads the master data, opens N rounds
of 23 parties and sends a fixed number of requests (N × 23 × 3: agenda, matrix read, approval)
through tests/scale/load.py. Prints p50/p95 per kind of request, the error count and whether
the audit chain is intact; the raw baseline is one raw psycopg SELECT 1 round trip.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from aftaleflow.db import make_engine  # noqa: E402
from aftaleflow.services.structure.masterdata import load_master_data  # noqa: E402
from aftaleflow.services.uow import ServiceContext  # noqa: E402
from tests.scale.load import run_load  # noqa: E402


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
        verdict = not result.errors and result.chain_ok
        if args.json:  # one line per kind of request, for run_all.py
            raw = raw_round_trip_ms(url)
            for kind in sorted(result.latencies):
                print(json.dumps({
                    "name": f"PostgreSQL API, {args.workers} workers, {args.clients} clients:"
                            f" {kind} p50", "figure": result.percentile(kind, 50),
                    "baseline": raw, "unit": "ms", "target": "0 errors, chain intact",
                    "met": verdict, "note": f"p95 {result.percentile(kind, 95):.1f} ms,"
                    f" n={len(result.latencies[kind])}; {len(result.errors)} errors; raw ="
                    " one SELECT 1 round trip"}))
            return
        print(f"API under load: {args.workers} workers, {args.clients} clients, PostgreSQL")
        print(result.summary())
        print(f"  raw psycopg SELECT 1 round trip: {raw_round_trip_ms(url):.2f} ms")
        print(f"  0 errors and chain intact: {'met' if verdict else 'NOT met'}")


if __name__ == "__main__":
    main()
