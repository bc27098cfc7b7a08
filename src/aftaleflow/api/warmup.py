"""A worker pays its one-time costs before it takes traffic, not on its first callers.

Measured under load (4 workers, 50 clients; py-spy on the workers): about 40 % of the
server's CPU in a short burst went to work each process does once — importing anyio's
thread backend on the first synchronous route, FastAPI building each route's matching
context and response validator on first match, SQLAlchemy configuring its mappers,
compiling the first queries — and it fell on the first requests, which all arrive at once.

At start-up (the app's lifespan, before uvicorn accepts connections for this worker) the
app opens its pool's kept database connections and sends itself a few requests in-process:
an unknown address (it walks every router) and
the busiest routes with a token that does not exist (the token check runs and refuses:
nothing is read or written for anybody). Nothing here may stop a start: a database that
is away now is the first real request's business.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import configure_mappers
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message

log = logging.getLogger("aftaleflow.warmup")
REQUESTS = (
    ("GET", "/findes-ikke", b""),  # unknown: walks every router
    ("GET", "/status", b""),
    ("POST", "/agreements/1/approvals/657", b'{"decision": "dagsorden"}'),
    ("GET", "/agreements/1", b""),
    ("GET", "/ui/", b""),
)
UNKNOWN_TOKEN = b"Bearer af_opvarmning_" + b"0" * 32  # never issued: refused with 401


@asynccontextmanager
async def warm_up(app: ASGIApp) -> AsyncIterator[None]:
    """The lifespan: warm up, then serve."""
    try:
        configure_mappers()
        engine = getattr(getattr(app, "state", None), "engine", None)
        await anyio.to_thread.run_sync(open_pool, engine)
        for method, path, body in REQUESTS:
            await _request(app, method, path, body)
    except Exception:  # a warm-up never stops a start
        log.warning("opvarmning afbrudt", exc_info=True)
    if getattr(getattr(app, "state", None), "freeze_start_up", False):
        freeze_start_up()
    yield


def freeze_start_up() -> None:
    """What the worker made to start — modules, the app and its routes, compiled queries,
    the pool — lives as long as the process: out of the cyclic collector's way for good
    (`gc.freeze`, after one collection so no garbage is kept). Measured under the load
    benchmark without it: a full collection walked all of start-up again, about 100 ms of
    CPU (one decision took 265 ms, 135 ms of it CPU), and held up its worker's quick lane;
    with it the decision's p95 fell from 420–480 to 320–345 ms in most runs."""
    gc.collect()
    gc.freeze()


def open_pool(engine: Engine | None) -> None:
    """Open the pool's kept connections now (PostgreSQL): a server process per connection
    is forked on the database server, and under a burst of first requests that work fell on
    them, all at once."""
    if engine is None or engine.dialect.name != "postgresql":
        return
    size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 0
    with ExitStack() as opened:
        for _ in range(size):
            opened.enter_context(engine.connect())


async def _request(app: ASGIApp, method: str, path: str, body: bytes) -> int:
    """One request through the whole ASGI stack, in-process; returns the status."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
        "headers": [(b"host", b"localhost"), (b"authorization", UNKNOWN_TOKEN),
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]}
    sent = False
    status = 0

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status
