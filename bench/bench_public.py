"""The public pages under a press spike: 4 uvicorn workers on PostgreSQL, 50 concurrent clients.

Run: AFTALEFLOW_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
     uv run python bench/bench_public.py [--agreements N] [--requests N] [--clients N]
Creates a database on that server (dropped afterwards), loads the master data, opens N
regional rounds of 23 parties in Syddanmark with a few decisions each, starts
`aftaleflow api --workers 4` (the production layout) and sends a fixed number of requests:
half the page of a random public agreement (`/offentlig/aftaler/N`), half the JSON list
(`/offentlig/data/aftaler.json`, 50 agreements with every decision), without conditional
headers (every request gets the whole answer). A spike is about a few agreements: the page
requests go to `--hot` of them (10). Before the spike, the first rendering of one page and of
the list is timed on its own (`cold` in the note: what each worker pays once per data
version). Prints p50/p95 per kind and the error count; target: p95 ≤ 200 ms and 0 errors.
The raw baseline is one raw psycopg `SELECT 1`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from aftaleflow.db import make_engine  # noqa: E402
from aftaleflow.services.agreements.approvals import Decision, record_decision  # noqa: E402
from aftaleflow.services.agreements.cases import advance_agreement  # noqa: E402
from aftaleflow.services.structure.masterdata import load_master_data  # noqa: E402
from aftaleflow.services.uow import ServiceContext  # noqa: E402
from bench_load import raw_round_trip_ms, scratch_database  # noqa: E402
from tests.factories import PATHS, new_agreement  # noqa: E402
from tests.scale.load import REGIONAL_SYD, LoadResult, api_server  # noqa: E402

TARGET_MS = 200.0
HOT = 10


def prepare(url: str, agreements: int) -> list[int]:
    """Public agreements (rounds started) with the first four parties' decisions recorded."""
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="bench")
    load_master_data(ctx)
    ids = []
    for _ in range(agreements):
        view = new_agreement(ctx, REGIONAL_SYD)
        for trigger in PATHS["i_godkendelse"]:
            view = advance_agreement(ctx, view.id, trigger)
        for approval in view.approvals[:4]:
            record_decision(ctx, view.id, Decision(
                party=approval.body_key, decision="godkendt", meeting_date=date(2026, 11, 2),
                protocol_ref="Byrådet 02.11.2026, pkt. 7"))
        ids.append(view.id)
    engine.dispose()
    return ids


async def _drive(base: str, ids: list[int], requests: int, clients: int,
                 result: LoadResult) -> None:
    rng = random.Random(23)
    ids = ids[:HOT]
    work: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for n in range(requests):
        work.put_nowait(("page", f"/offentlig/aftaler/{rng.choice(ids)}") if n % 2 == 0
                        else ("json", "/offentlig/data/aftaler.json"))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def one_client() -> None:
            while not work.empty():
                kind, path = work.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    problem = "" if response.status_code == 200 else \
                        f"{response.status_code} {response.text[:200]}"
                except httpx.HTTPError as exc:
                    problem = repr(exc)
                result.latencies.setdefault(kind, []).append(time.perf_counter() - started)
                result.requests += 1
                if problem:
                    result.errors.append(f"GET {path}: {problem}")

        await asyncio.gather(*(one_client() for _ in range(clients)))


def run(url: str, *, agreements: int, requests: int, clients: int, workers: int
        ) -> tuple[LoadResult, dict[str, float]]:
    ids = prepare(url, agreements)
    result = LoadResult(chain_ok=True)
    cold: dict[str, float] = {}
    with api_server(url, workers) as base:
        for kind, path in (("json", "/offentlig/data/aftaler.json"),
                           ("page", f"/offentlig/aftaler/{ids[0]}")):
            started = time.perf_counter()
            httpx.get(f"{base}{path}", timeout=60)
            cold[kind] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, _drive(base, ids, requests, clients, result)).result()
        result.seconds = time.perf_counter() - started
    return result, cold


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agreements", type=int, default=100)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="JSON lines (for run_all.py)")
    args = parser.parse_args()
    with scratch_database("af_public") as url:
        result, cold = run(url, agreements=args.agreements, requests=args.requests,
                     clients=args.clients, workers=args.workers)
        raw = raw_round_trip_ms(url)
        labels = {"page": "public agreement page", "json": "public JSON list"}
        for kind in sorted(result.latencies):
            p95 = result.percentile(kind, 95)
            met = not result.errors and p95 <= TARGET_MS
            row = {"name": f"PostgreSQL, {args.workers} workers, {args.clients} clients: "
                           f"{labels[kind]} p95", "figure": p95, "baseline": raw, "unit": "ms",
                   "target": "p95 ≤ 200 ms, 0 errors", "met": met,
                   "note": f"p50 {result.percentile(kind, 50):.1f} ms, "
                           f"n={len(result.latencies[kind])}; {len(result.errors)} errors; "
                           f"cold {cold[kind]:.0f} ms; {args.agreements} agreements, pages of "
                           f"{min(HOT, args.agreements)}; raw = one SELECT 1 round trip"}
            if args.json:
                print(json.dumps(row, ensure_ascii=False))
            else:
                print(f"{row['name']}: {p95:.1f} ms ({row['note']}) – "
                      f"{'met' if met else 'NOT met'}")
        if not args.json:
            print(f"{result.requests} requests in {result.seconds:.1f} s; errors: "
                  f"{result.errors[:3]}")


if __name__ == "__main__":
    main()
