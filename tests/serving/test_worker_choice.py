"""The parent of `aftaleflow api --workers N` hands a new connection to the ready worker
holding the fewest connections; a worker still warming up gets one only when none is ready;
a worker's notes (ready, closed) are counted."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from aftaleflow.serving.workers import CLOSED, READY, _count_closed, _hand_over, _Slot


@contextmanager
def _listener() -> Iterator[socket.socket]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        yield listener


def _slot(open_: int, ready: bool) -> tuple[_Slot, socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    slot = _Slot(None, ours)  # type: ignore[arg-type]  # the choice needs no process
    slot.open, slot.ready = open_, ready
    return slot, theirs


def _handed(worker_end: socket.socket) -> int:
    worker_end.setblocking(False)
    try:
        _, fds, _, _ = socket.recv_fds(worker_end, 16, 4)
    except BlockingIOError:
        return 0
    for fd in fds:
        socket.socket(fileno=fd).close()
    return len(fds)


def _connect_and_hand_over(listener: socket.socket, slots: list[_Slot]) -> None:
    """One client connects; the parent hands its connection over."""
    with socket.create_connection(listener.getsockname()):
        assert select.select([listener], [], [], 5)[0]  # queued for accepting
        _hand_over(listener, slots)


def test_the_ready_worker_with_the_fewest_connections_gets_the_next_one() -> None:
    busy, busy_end = _slot(5, ready=True)
    quiet, quiet_end = _slot(2, ready=True)
    warming, warming_end = _slot(0, ready=False)
    with _listener() as listener:
        _connect_and_hand_over(listener, [busy, quiet, warming])
    assert (_handed(busy_end), _handed(quiet_end), _handed(warming_end)) == (0, 1, 0)
    assert (busy.open, quiet.open, warming.open) == (5, 3, 0)


def test_a_worker_still_warming_up_gets_connections_when_none_is_ready() -> None:
    warming, warming_end = _slot(3, ready=False)
    with _listener() as listener:
        _connect_and_hand_over(listener, [warming])
    assert _handed(warming_end) == 1 and warming.open == 4


def test_a_workers_notes_mark_it_ready_and_count_its_closed_connections_off() -> None:
    slot, worker_end = _slot(3, ready=False)
    for note in (READY, CLOSED, CLOSED):
        worker_end.send(note)
    assert _count_closed(slot) is True
    assert slot.ready and slot.open == 1
    worker_end.close()
    assert _count_closed(slot) is False  # the worker is gone
