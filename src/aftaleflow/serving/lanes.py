"""The quick lane: the short database routes of a worker run one at a time, in arrival order.

A uvicorn worker runs synchronous routes on a pool of up to 40 threads. For short requests
that is worse than one at a time: a dozen interleaved on one interpreter lock each take a
dozen times their own CPU, and a long one (the status matrix) longer still. Measured under
the load benchmark (4 workers, 50 clients on 2 cores): the decision's p95 640–920 ms with
the shared pool, 400–470 ms in one lane; the mean barely moves (the cores do the same work),
the tail does. Long routes (PDF documents, exports, archives) stay on the shared pool, so
they never hold up the quick lane. One lane per event loop (each worker has one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

T = TypeVar("T")
_LANE: RunVar[anyio.CapacityLimiter] = RunVar("aftaleflow_quick_lane")


def _lane() -> anyio.CapacityLimiter:
    try:
        return _LANE.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(1)
        _LANE.set(limiter)
        return limiter


async def in_quick_lane(func: Callable[[], T]) -> T:
    """`func()` on a worker thread, after the quick requests that came before it."""
    return await anyio.to_thread.run_sync(func, limiter=_lane())
