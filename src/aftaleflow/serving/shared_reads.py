"""Identical reads that wait at the same time share one run that began after each arrived.

A polling dashboard and the load benchmark send the same read (the status matrix of one
region, for one caller) many times at once. Each computed alone costs the same CPU again;
under load they queue behind each other for the worker's threads and the cores. Here a
read joins a run of the same key that has not started yet (it waits for a thread like the
reader would), and otherwise starts a new one. A run never began before a reader that
shares it arrived, so every reader sees at least what was committed before its request
came — the answer it would have got alone, or a later one — and a change shows on the very
next request. Nothing is kept after the run: the next request after it starts again.

A run's error is every sharer's error (the same key means the same caller and arguments).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import anyio

from aftaleflow.serving.lanes import in_quick_lane

T = TypeVar("T")


class _Run(Generic[T]):
    __slots__ = ("done", "error", "started", "value")

    def __init__(self) -> None:
        self.started = False  # set on the worker thread just before the read begins
        self.done = anyio.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


class SharedReads(Generic[T]):
    """Per process (each API worker has its own event loop and its own instance)."""

    def __init__(self) -> None:
        self._waiting: dict[Hashable, _Run[T]] = {}

    async def read(self, key: Hashable, func: Callable[[], T]) -> T:
        """`func()` in the quick lane, or the result of a run of `key` not started yet."""
        while (run := self._waiting.get(key)) is not None and not run.started:
            await run.done.wait()
            if not isinstance(run.error, anyio.get_cancelled_exc_class()):
                return _outcome(run)
            # the request that started it went away before it began: read anew
        run = self._waiting[key] = _Run()

        def execute() -> T:
            run.started = True  # from here a new reader needs a new run
            return func()

        try:
            run.value = await in_quick_lane(execute)
        except BaseException as exc:
            run.error = exc
            raise
        finally:
            if self._waiting.get(key) is run:
                del self._waiting[key]
            run.done.set()
        return run.value


def _outcome(run: _Run[T]) -> T:
    if run.error is not None:
        raise run.error
    return run.value  # type: ignore[return-value]
