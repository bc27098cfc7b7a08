"""The public pages under a press spike: 4 uvicorn workers on PostgreSQL, 50 concurrent clients.

Run: AFTALEFLOW_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
     uv run python bench/bench_public.py [--agreements N] [--requests N] [--clients N]
Creates a database on that server (dropped afterwards), loads the master data, opens N
regional rounds of 23 parties in Syddanmark with a few decisions each, starts
`aftaleflow api --workers 4` (the production layout) and sends a fixed number of requests:
half the page of a random public agreement (`/offentlig/aftaler/N`), half the JSON list
(`/offentlig/data/aftaler.json`, 50 agreements with every decision), without conditional
headers (every request gets the whole answer). A spike is about a few agreements: the page
requests go to `--hot` of them (10). Before the spike a council decides (one more decision):
the first rendering of one page and of the list in that new data version is timed on its
own (`cold` in the note: what each worker pays once per data version), and the spike
follows, on four workers none of which has the other answers of that version yet. Prints
p50/p95 per kind and the error count; target: p95 ≤ 200 ms and 0 errors.
The raw baseline is one raw psycopg `SELECT 1`.

The clients: each of the 50 holds one keep-alive connection and sends its next request as
soon as the answer is in (closed loop, no think time), asking for gzip as browsers do; each
answer is read whole and checked. They run on one event loop (uvloop) in this process and
parse with httptools: about 0.2 ms of client CPU per answer. httpx's AsyncClient
(`--client httpx`) spends about 4 ms per answer here, on the same two cores as the server:
with it the client, not the server, sets the pace. The note gives both sides' figures: the
client's CPU per answer and, where the server sends `Server-Timing`, its p95 and CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvloop  # noqa: E402

from aftaleflow.db import make_engine  # noqa: E402
from aftaleflow.services.agreements.approvals import Decision, record_decision  # noqa: E402
from aftaleflow.services.agreements.cases import advance_agreement  # noqa: E402
from aftaleflow.services.structure.masterdata import load_master_data  # noqa: E402
from aftaleflow.services.uow import ServiceContext  # noqa: E402
from bench_load import raw_round_trip_ms, scratch_database  # noqa: E402
from tests.factories import PATHS, new_agreement  # noqa: E402
from tests.scale.load import REGIONAL_SYD, LoadResult, api_server  # noqa: E402
from tests.scale.public_client import Connection, get, server_timing  # noqa: E402

TARGET_MS = 200.0
HOT = 10


def prepare(url: str, agreements: int) -> tuple[list[int], str]:
    """Public agreements (rounds started) with the first four parties' decisions recorded;
    (their ids, a fifth party of the last one for the change before the spike)."""
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="bench")
    load_master_data(ctx)
    ids, spare = [], ""
    for _ in range(agreements):
        view = new_agreement(ctx, REGIONAL_SYD)
        for trigger in PATHS["i_godkendelse"]:
            view = advance_agreement(ctx, view.id, trigger)
        for approval in view.approvals[:4]:
            record_decision(ctx, view.id, Decision(
                party=approval.body_key, decision="godkendt", meeting_date=date(2026, 11, 2),
                protocol_ref="Byrådet 02.11.2026, pkt. 7"))
        ids.append(view.id)
        spare = view.approvals[4].body_key
    engine.dispose()
    return ids, spare


def _decide(url: str, agreement_id: int, party: str) -> None:
    """One more decision: a new data version, as when a council has just decided."""
    engine = make_engine(url)
    record_decision(ServiceContext(engine=engine, actor="bench"), agreement_id, Decision(
        party=party, decision="godkendt", meeting_date=date(2026, 11, 3),
        protocol_ref="Byrådet 03.11.2026, pkt. 2"))
    engine.dispose()


async def _drive(base: str, ids: list[int], requests: int, clients: int,
                 result: LoadResult, server: dict[str, list[float]]) -> None:
    """`clients` closed-loop clients, each on its own keep-alive connection, no think time.
    Each answer is read whole and checked: status 200, a gzip body that inflates (its CRC
    and length), or the whole Content-Length."""
    host, port = base.removeprefix("http://").split(":")
    work = _work(ids, requests)
    for kind in ("page", "json"):
        result.latencies.setdefault(kind, [])

    async def one_client() -> None:
        connection: Connection | None = None
        while work:
            kind, path = work.pop()
            started = time.perf_counter()
            try:
                if connection is None or connection.transport is None:
                    connection = await Connection.open(host, int(port))
                status, headers, body = await get(connection, path)
                problem = "" if status == 200 and body else f"{status} {body[:200]!r}"
            except (OSError, ValueError) as exc:
                problem, headers, connection = repr(exc), {}, None
            result.latencies[kind].append(time.perf_counter() - started)
            result.requests += 1
            for name, ms in server_timing(headers.get(b"server-timing")).items():
                server.setdefault(f"{kind} {name}", []).append(ms)
            if problem:
                result.errors.append(f"GET {path}: {problem}")
        if connection is not None:
            connection.close()

    await asyncio.gather(*(one_client() for _ in range(clients)))


async def _drive_httpx(base: str, ids: list[int], requests: int, clients: int,
                       result: LoadResult, server: dict[str, list[float]]) -> None:
    """The same with httpx's AsyncClient (`--client httpx`): about 4 ms of the client's own
    CPU per answer here, so the client, not the server, sets the pace."""
    work = _work(ids, requests)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def one_client() -> None:
            while work:
                kind, path = work.pop()
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    problem = "" if response.status_code == 200 else \
                        f"{response.status_code} {response.text[:200]}"
                    timing = server_timing(response.headers.get("server-timing", "").encode())
                except httpx.HTTPError as exc:
                    problem, timing = repr(exc), {}
                result.latencies.setdefault(kind, []).append(time.perf_counter() - started)
                result.requests += 1
                for name, ms in timing.items():
                    server.setdefault(f"{kind} {name}", []).append(ms)
                if problem:
                    result.errors.append(f"GET {path}: {problem}")

        await asyncio.gather(*(one_client() for _ in range(clients)))


def _work(ids: list[int], requests: int) -> list[tuple[str, str]]:
    """Half pages of the `HOT` agreements, half the JSON list; popped from the end."""
    rng = random.Random(23)
    hot = ids[:HOT]
    work = [("page", f"/offentlig/aftaler/{rng.choice(hot)}") if n % 2 == 0
            else ("json", "/offentlig/data/aftaler.json") for n in range(requests)]
    work.reverse()
    return work


@dataclass
class Figures:
    result: LoadResult
    cold: dict[str, float] = field(default_factory=dict)
    server: dict[str, list[float]] = field(default_factory=dict)
    client_cpu_ms: float = 0.0  # the client's own CPU per answer

    def note(self, kind: str) -> str:
        """What the server said it spent (Server-Timing, where the server sends it) and what
        the client spent on its side, so a slow figure can be put where it belongs."""
        parts = []
        app, cpu = self.server.get(f"{kind} app"), self.server.get(f"{kind} cpu")
        if app:
            parts.append(f"server p95 {statistics.quantiles(app, n=20)[-1]:.1f} ms"
                         if len(app) > 1 else f"server {app[0]:.1f} ms")
        if cpu:
            parts.append(f"server CPU {statistics.fmean(cpu):.2f} ms/answer")
        parts.append(f"client CPU {self.client_cpu_ms:.2f} ms/answer")
        return ", ".join(parts)


def run(url: str, *, agreements: int, requests: int, clients: int, workers: int,
        client: str = "light") -> Figures:
    ids, spare = prepare(url, agreements)
    figures = Figures(LoadResult(chain_ok=True))
    drive = _drive if client == "light" else _drive_httpx
    paths = {"json": "/offentlig/data/aftaler.json", "page": f"/offentlig/aftaler/{ids[0]}"}
    with api_server(url, workers) as base:
        for path in paths.values():  # the server's first answers, not timed
            httpx.get(f"{base}{path}", timeout=60)
        _decide(url, ids[-1], spare)  # a council decides: the spike follows the news
        for kind, path in paths.items():
            started = time.perf_counter()
            httpx.get(f"{base}{path}", timeout=60)
            figures.cold[kind] = (time.perf_counter() - started) * 1000
        started, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(uvloop.run, drive(base, ids, requests, clients, figures.result,
                                          figures.server)).result()
        figures.result.seconds = time.perf_counter() - started
        figures.client_cpu_ms = (time.process_time() - cpu) * 1000 / max(requests, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agreements", type=int, default=100)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--client", choices=("light", "httpx"), default="light",
                        help="light: keep-alive connections parsed by httptools (default); "
                             "httpx: httpx.AsyncClient, whose own CPU sets the pace here")
    parser.add_argument("--json", action="store_true", help="JSON lines (for run_all.py)")
    args = parser.parse_args()
    with scratch_database("af_public") as url:
        figures = run(url, agreements=args.agreements, requests=args.requests,
                      clients=args.clients, workers=args.workers, client=args.client)
        result = figures.result
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
                           f"{figures.note(kind)}; {args.client} client; "
                           f"cold {figures.cold[kind]:.0f} ms; {args.agreements} agreements, "
                           f"pages of {min(HOT, args.agreements)}; "
                           "raw = one SELECT 1 round trip"}
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
