"""`Server-Timing` on every answer: how long the server worked on it, and how much of that was
CPU (what bench/bench_load.py prints per route next to the client's latency).

    Server-Timing: app;dur=12.4, cpu;dur=3.1

`app` is wall-clock milliseconds from the moment the application gets the request until it
sends the answer's headers (for every answer but a stream the answer is complete then):
waiting for a database lock, a pool connection, a worker thread or the CPU counts here.
`cpu` is the CPU milliseconds the server's threads spent on this request alone: a uvicorn
worker runs one event loop and a pool of threads for the synchronous route functions, and
many requests interleave on both, so the CPU is summed per piece (`time.thread_time`) over
the stretches where the request's own code runs — on the event loop between its suspension
points (reading the body, handing work to a thread, sending), and on a worker thread for each
synchronous part (the dependencies such as the token check, the route with its service call
and database driver, the validation of the answer). Other requests' work in between is not
in it. What happens before the application gets the request (uvicorn parsing HTTP) is in
neither figure. `app` minus `cpu` is time spent waiting.

The header carries these two numbers and nothing else: no route, query, user or SQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")
HEADER = b"server-timing"


class _Spent:
    """CPU seconds of one request, and where the event loop's current stretch began."""

    __slots__ = ("cpu", "mark")

    def __init__(self) -> None:
        self.cpu = 0.0
        self.mark = time.thread_time()

    def pause(self) -> None:
        """The request is about to wait: its stretch on the event loop ends here."""
        self.cpu += time.thread_time() - self.mark

    def resume(self) -> None:
        self.mark = time.thread_time()


_current: ContextVar[_Spent | None] = ContextVar("aftaleflow_server_timing", default=None)
_original_run_sync = anyio.to_thread.run_sync


def _timed_call(spent: _Spent, func: Callable[..., T], *args: Any) -> T:
    started = time.thread_time()
    try:
        return func(*args)
    finally:
        spent.cpu += time.thread_time() - started


async def _run_sync(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """anyio's `to_thread.run_sync` (through which Starlette and FastAPI run every
    synchronous route and dependency), with the thread's CPU added to the request's."""
    spent = _current.get()
    if spent is None:
        return await _original_run_sync(func, *args, **kwargs)
    spent.pause()
    try:
        return await _original_run_sync(partial(_timed_call, spent, func), *args, **kwargs)
    finally:
        spent.resume()


def _install() -> None:
    """Once per process; outside a request the replacement calls anyio's own directly."""
    if anyio.to_thread.run_sync is not _run_sync:
        anyio.to_thread.run_sync = _run_sync  # type: ignore[assignment]


def header_value(wall: float, cpu: float) -> bytes:
    return f"app;dur={wall * 1000:.1f}, cpu;dur={cpu * 1000:.1f}".encode()


class ServerTiming:
    """Pure ASGI: adds `Server-Timing: app;dur=…, cpu;dur=…` to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        _install()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        spent = _Spent()
        token = _current.set(spent)

        async def timed_receive() -> Message:
            spent.pause()
            try:
                return await receive()
            finally:
                spent.resume()

        async def timed_send(message: Message) -> None:
            spent.pause()
            if message["type"] == "http.response.start":
                value = header_value(time.perf_counter() - started, spent.cpu)
                message = {**message, "headers": [
                    *(h for h in message.get("headers", []) if h[0].lower() != HEADER),
                    (HEADER, value)]}
            try:
                await send(message)
            finally:
                spent.resume()

        try:
            await self.app(scope, timed_receive, timed_send)
        finally:
            _current.reset(token)
