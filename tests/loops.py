"""An event loop of its own for a test's coroutine."""

from __future__ import annotations

from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_on_own_thread(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on a thread of its own: the test's thread may already run an event loop
    (Playwright's sync API, from another test on the same pytest worker, keeps one there)."""
    import asyncio

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
