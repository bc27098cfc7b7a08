"""Identical reads waiting at once share one run that began after each of them arrived; a
read that comes while a run is under way gets a run of its own (it may have followed a
change); errors reach every sharer; and the quick lane runs one thing at a time, in order."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from aftaleflow.serving.lanes import in_quick_lane
from aftaleflow.serving.shared_reads import SharedReads
from tests.loops import run_on_own_thread


def test_reads_that_wait_together_share_one_run_begun_after_they_all_arrived() -> None:
    shared: SharedReads[int] = SharedReads()
    runs: list[float] = []
    arrived: list[float] = []

    def read() -> int:
        runs.append(time.monotonic())
        time.sleep(0.05)
        return len(runs)

    async def reader() -> int:
        arrived.append(time.monotonic())
        return await shared.read("matrix", read)

    async def main() -> list[int]:
        first = asyncio.create_task(reader())  # starts a run at once
        await asyncio.sleep(0.01)  # it is under way: the next readers need a new run
        rest = [asyncio.create_task(reader()) for _ in range(5)]
        return [await first] + [await t for t in rest]

    assert run_on_own_thread(main()) == [1, 2, 2, 2, 2, 2]
    assert len(runs) == 2
    assert runs[1] >= max(arrived)  # the shared run began after every sharer arrived


def test_a_read_after_a_run_began_never_gets_that_runs_answer() -> None:
    """Read your own writes: a change made before the request shows in its answer."""
    shared: SharedReads[int] = SharedReads()
    state = {"value": 0}
    started = threading.Event()

    def read() -> int:
        seen = state["value"]
        started.set()
        time.sleep(0.05)
        return seen

    async def main() -> tuple[int, int]:
        before = asyncio.create_task(shared.read("k", read))
        await asyncio.to_thread(started.wait)
        state["value"] = 1  # a change committed after that run read
        after = await shared.read("k", read)
        return await before, after

    assert run_on_own_thread(main()) == (0, 1)


def test_different_keys_never_share() -> None:
    shared: SharedReads[str] = SharedReads()

    async def main() -> list[str]:
        return list(await asyncio.gather(*(shared.read(key, lambda k=key: k)
                                           for key in ("a", "b", "a", "c"))))

    assert run_on_own_thread(main()) == ["a", "b", "a", "c"]


def test_an_error_reaches_every_sharer_and_the_next_read_runs_again() -> None:
    shared: SharedReads[int] = SharedReads()
    calls = []

    def failing() -> int:
        calls.append(1)
        time.sleep(0.02)
        raise LookupError("Ukendt region")

    async def main() -> list[object]:
        blocker = asyncio.create_task(shared.read("k", lambda: time.sleep(0.05) or 0))
        await asyncio.sleep(0.01)
        results = await asyncio.gather(*(shared.read("k", failing) for _ in range(3)),
                                       return_exceptions=True)
        await blocker
        results.append(await shared.read("k", lambda: 7))
        return results

    results = run_on_own_thread(main())
    assert [type(r) for r in results[:3]] == [LookupError] * 3
    assert results[3] == 7
    assert len(calls) == 1


def test_sharers_read_anew_when_the_reader_that_began_the_run_went_away() -> None:
    shared: SharedReads[int] = SharedReads()

    async def main() -> int:
        blocker = asyncio.create_task(in_quick_lane(lambda: time.sleep(0.05)))
        await asyncio.sleep(0.01)  # the lane is busy: the next run waits for it
        starter = asyncio.create_task(shared.read("k", lambda: 1))
        await asyncio.sleep(0)
        joiner = asyncio.create_task(shared.read("k", lambda: 2))
        await asyncio.sleep(0.01)
        starter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starter
        await blocker
        return await joiner

    assert run_on_own_thread(main()) == 2


def test_the_quick_lane_runs_one_thing_at_a_time_in_arrival_order() -> None:
    running, most, order = [0], [0], []

    def work(n: int) -> int:
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.005)
        order.append(n)
        running[0] -= 1
        return n

    async def main() -> list[int]:
        tasks = []
        for n in range(8):
            tasks.append(asyncio.create_task(in_quick_lane(lambda n=n: work(n))))
            await asyncio.sleep(0)  # arrival order
        return [await t for t in tasks]

    assert run_on_own_thread(main()) == list(range(8))
    assert most == [1] and order == list(range(8))
