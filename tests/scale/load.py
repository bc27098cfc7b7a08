"""A bounded load run against the API with several uvicorn worker processes (loopback only).

Used by tests/scale/test_load.py (0 errors, the audit chain intact) and bench/bench_load.py
(p50/p95 latency). Each of `agreements` regional agreements in Syddanmark has an open round of
23 parties; every party's approval is put on the agenda and then approved over HTTP, and after
each decision the client reads the region's status matrix. The number of requests is fixed:
agreements × 23 × 3. Each answer's Server-Timing header (the server's wall and CPU ms) is kept
per route template (ROUTES), with the CPU of the server processes and of the client; the
clients are tests/scale/http_client.py connections, and a client that has read the matrix
asks again with its ETag (If-None-Match).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

import httpx

from aftaleflow.db import make_engine
from aftaleflow.services.access.users import create_user
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.uow import ServiceContext
from tests.factories import PATHS, Spec, new_agreement
from tests.live_server import free_port
from tests.processes import stop_process
from tests.scale.http_client import Connection, HttpError

ROOT = Path(__file__).resolve().parents[2]
REGIONAL_SYD = Spec(kind="regional_samarbejdsaftale", region="syddanmark", cluster=None)
ROUTES = {"decision": "POST /agreements/{id}/approvals/{party}", "matrix": "GET /status"}


@dataclass
class LoadResult:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    chain_ok: bool = False
    chain_events: int = 0
    final_states: list[str] = field(default_factory=list)
    # per route template (e.g. "GET /status"): the server's own figures from each answer's
    # Server-Timing header, in seconds: app = wall clock in the server, cpu = its CPU
    server_wall: dict[str, list[float]] = field(default_factory=dict)
    server_cpu: dict[str, list[float]] = field(default_factory=dict)
    # CPU seconds of the whole server (every worker process) while the clients ran
    server_process_cpu: float = 0.0
    client_cpu: float = 0.0  # CPU seconds of the load client's own process while it ran
    not_modified: int = 0  # 304 answers to a conditional request

    def percentile(self, kind: str, q: int) -> float:
        """The q-th percentile of one kind of request, in milliseconds."""
        values = sorted(self.latencies.get(kind, []))
        if not values:
            return float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    def record_server_timing(self, route: str, response: httpx.Response) -> None:
        """Keep the answer's Server-Timing figures (app, cpu) under its route template."""
        self.record_server_timing_value(route, response.headers.get("server-timing", ""))

    def record_server_timing_value(self, route: str, value: str) -> None:
        """The same from the header's value."""
        figures = server_timing(value)
        if "app" in figures and "cpu" in figures:
            self.server_wall.setdefault(route, []).append(figures["app"] / 1000)
            self.server_cpu.setdefault(route, []).append(figures["cpu"] / 1000)

    def server_percentile(self, route: str, q: int, *, cpu: bool = False) -> float:
        """The q-th percentile of the server's wall (or CPU) time on one route, in ms."""
        values = sorted((self.server_cpu if cpu else self.server_wall).get(route, []))
        if not values:
            return float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    def server_note(self, route: str) -> str:
        """"server wall p50/p95 …, cpu p50/p95 …" for one route (the bench rows' notes)."""
        return (f"server {route}: wall p50/p95 {self.server_percentile(route, 50):.1f}/"
                f"{self.server_percentile(route, 95):.1f} ms, cpu p50/p95 "
                f"{self.server_percentile(route, 50, cpu=True):.1f}/"
                f"{self.server_percentile(route, 95, cpu=True):.1f} ms")

    def summary(self) -> str:
        lines = [f"{self.requests} requests in {self.seconds:.1f} s, {len(self.errors)} errors; "
                 f"audit chain {'intact' if self.chain_ok else 'BROKEN'} "
                 f"({self.chain_events} events)"]
        for kind in sorted(self.latencies):
            lines.append(f"  {kind:<9} n={len(self.latencies[kind]):<5} "
                         f"p50 {self.percentile(kind, 50):7.1f} ms   "
                         f"p95 {self.percentile(kind, 95):7.1f} ms")
        for route in sorted(self.server_wall):
            lines.append(f"  {self.server_note(route)}")
        if self.server_process_cpu and self.requests:
            lines.append(f"  server processes: {self.server_process_cpu:.2f} CPU s, "
                         f"{self.server_process_cpu / self.requests * 1000:.1f} ms a request; "
                         f"load client {self.client_cpu / self.requests * 1000:.1f} ms a request;"
                         f" {self.not_modified} answers 304")
        return "\n".join(lines)


def server_timing(value: str) -> dict[str, float]:
    """`app;dur=12.4, cpu;dur=3.1` → {"app": 12.4, "cpu": 3.1} (milliseconds)."""
    figures = {}
    for part in value.split(","):
        name, _, rest = part.strip().partition(";")
        if rest.startswith("dur="):
            try:
                figures[name] = float(rest[4:])
            except ValueError:
                continue
    return figures


def prepare(url: str, agreements: int) -> tuple[str, list[tuple[int, list[str]]]]:
    """Open rounds through the services, and a case handler's token; (token, work plan)."""
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="load-setup")
    plan = []
    for _ in range(agreements):
        view = new_agreement(ctx, REGIONAL_SYD)
        for trigger in PATHS["i_godkendelse"]:
            view = advance_agreement(ctx, view.id, trigger)
        plan.append((view.id, [a.body_key for a in view.approvals]))
    _, token = create_user(ctx, "Belastning Sagsbehandler", "sagsbehandler")
    engine.dispose()
    return token, plan


@contextmanager
def api_server(url: str, workers: int) -> Iterator[str]:
    """`aftaleflow api --workers N` on a free port of 127.0.0.1, stopped afterwards."""
    port = free_port()
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=url)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "aftaleflow", "api", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        SERVER_PIDS[base] = process.pid
        try:
            _wait_until_up(base, process, workers)
            wait_for_every_worker(log, process, workers)
            yield base
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            SERVER_PIDS.pop(base, None)
            stop_process(process)


SERVER_PIDS: dict[str, int] = {}  # base address → the server's main process, while it runs


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: parent pid
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def wait_for_every_worker(log: IO[bytes], process: subprocess.Popen[bytes], workers: int,
                          timeout: float = 120) -> None:
    """Until every worker has started its app (uvicorn logs "Application startup complete."
    once per worker): the first to answer is not all of them, and a load started then
    would fall on that one alone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        log.seek(0)
        if log.read().count(b"Application startup complete.") >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"not all {workers} API workers started within {timeout:.0f} s")


def _wait_until_up(base: str, process: subprocess.Popen[bytes], workers: int) -> None:
    """Poll until the API answers (each worker builds its app on start; up to 120 s)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API server stopped (exit code {process.returncode})")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the API server with {workers} workers did not answer within 120 s")


async def _party(client: Connection, result: LoadResult, agreement_id: int,
                 party: str, tags: dict[str, str]) -> None:
    today = date.today().isoformat()
    steps = [  # (kind, method, path, body); ROUTES names each kind's route template
        ("decision", "POST", f"/agreements/{agreement_id}/approvals/{party}",
         {"decision": "dagsorden", "meeting_date": today}),
        ("matrix", "GET", "/status?region=syddanmark", None),
        ("decision", "POST", f"/agreements/{agreement_id}/approvals/{party}",
         {"decision": "godkendt", "meeting_date": today}),
    ]
    for kind, method, path, body in steps:
        # a client that has read the matrix asks for it again with its ETag, as a polling
        # dashboard would: 304 when nothing changed since
        conditional = {"If-None-Match": tags[path]} if path in tags else {}
        started = time.perf_counter()
        try:
            response = await client.request(method, path, body, conditional)
            ok = response.status < 400
            problem = "" if ok else f"{response.status} {response.text[:200]}"
            result.record_server_timing_value(ROUTES[kind],
                                              response.headers.get("server-timing", ""))
            if method == "GET" and "etag" in response.headers:
                tags[path] = response.headers["etag"]
            if response.status == 304:
                result.not_modified += 1
        except HttpError as exc:
            ok, problem = False, str(exc)
        result.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        result.requests += 1
        if not ok:
            result.errors.append(f"{method} {path}: {problem}")


async def _drive(base: str, token: str, plan: list[tuple[int, list[str]]], clients: int,
                 result: LoadResult) -> None:
    """`clients` simulated clients, each on its own keep-alive connection, taking parties
    from one queue until none is left."""
    work: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for agreement_id, parties in plan:
        for party in parties:
            work.put_nowait((agreement_id, party))
    address = httpx.URL(base)
    assert address.port is not None

    async def one_client() -> None:
        client = Connection(address.host, address.port,
                            headers={"Authorization": f"Bearer {token}"})
        tags: dict[str, str] = {}
        try:
            while not work.empty():
                agreement_id, party = work.get_nowait()
                await _party(client, result, agreement_id, party, tags)
        finally:
            await client.close()

    started = time.process_time()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    result.client_cpu = time.process_time() - started


def run_load(url: str, *, agreements: int = 4, clients: int = 50,
             workers: int = 4) -> LoadResult:
    """Prepare, start the API, drive `clients` concurrent clients, then check the chain."""
    token, plan = prepare(url, agreements)
    result = LoadResult()
    with api_server(url, workers) as base:
        started, cpu_before = time.perf_counter(), process_tree_cpu(SERVER_PIDS[base])
        # A thread of its own: the calling thread may already run an event loop (Playwright's
        # sync API in another test on the same pytest worker keeps one there).
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, _drive(base, token, plan, clients, result)).result()
        result.seconds = time.perf_counter() - started
        result.server_process_cpu = process_tree_cpu(SERVER_PIDS[base]) - cpu_before
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="load-check")
    report = verify_chain(ctx)
    result.chain_ok, result.chain_events = report.ok, report.events
    from aftaleflow.services.agreements.cases import get_agreement

    result.final_states = [get_agreement(ctx, agreement_id).state for agreement_id, _ in plan]
    engine.dispose()
    return result
