"""Several API worker processes on one port; the parent hands each new connection to the
ready worker that holds the fewest.

uvicorn's `--workers` shares one listening socket among its workers. Under a burst of new
connections the first worker to wake accepts many of them at once (asyncio accepts in a
loop until the queue is empty), and keep-alive connections stay where they landed: measured
under the load benchmark (4 workers, 50 clients), one worker did 45 % of the work, bound to
one core by its interpreter lock, while another did 3 %. A socket per worker with
SO_REUSEPORT was better but still uneven: the kernel spreads connections by a hash of their
addresses, and 50 connections landed 18, 14, 10 and 8 — the clients of the worker with 18
waited about twice as long as those of the one with 8.

So the parent alone listens. It accepts each connection and passes it (the open socket,
over a Unix socket pair: SCM_RIGHTS) to the ready worker that holds the fewest open
connections now; a worker tells the parent when it has warmed up and when one of its
connections closes. The parent also starts a new worker in place of one that dies, and stops
them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import selectors
import signal
import socket
import threading
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

log = logging.getLogger("uvicorn.error")
BACKLOG = 2048  # uvicorn's default
STOP_GRACE_SECONDS = 30
NEW = b"+"  # parent → worker: here is a connection (its socket rides along)
CLOSED = b"-"  # worker → parent: one of my connections closed
READY = b"!"  # worker → parent: warmed up, taking connections


class PortTaken(Exception):
    """The address cannot be listened on (another program has it)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """The run's one socket, bound to host:port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortTaken(f"{host}:{port}: {exc.strerror}") from exc
    return sock


def _worker(app: str, channel: socket.socket, host: str, port: int,
            log_config: dict[str, Any]) -> None:
    config = uvicorn.Config(app, factory=True, host=host, port=port, log_level="info",
                            log_config=log_config)
    HandedServer(config, channel).run(sockets=[])


class HandedServer(uvicorn.Server):
    """uvicorn's server taking its connections from the parent instead of a socket."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel
        self._handing: set[asyncio.Task[Any]] = set()  # connections being set up

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app's lifespan (warm-up); no listener
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        self.channel.setblocking(False)
        protocol = self._protocol_factory()
        loop.add_reader(self.channel.fileno(), self._take, loop, protocol)
        with contextlib.suppress(OSError):
            self.channel.send(READY)

    def _protocol_factory(self) -> Callable[[], asyncio.Protocol]:
        """uvicorn's HTTP protocol, which also tells the parent when its connection closed."""
        channel, config = self.channel, self.config
        server_state, app_state = self.server_state, self.lifespan.state

        class Counted(config.http_protocol_class):  # type: ignore[name-defined]
            def connection_lost(self, exc: Exception | None) -> None:
                super().connection_lost(exc)
                with contextlib.suppress(OSError):  # the parent is gone: this worker stops
                    channel.send(CLOSED)

        def protocol() -> asyncio.Protocol:
            made: asyncio.Protocol = Counted(config=config, server_state=server_state,
                                             app_state=app_state)
            return made

        return protocol

    def _take(self, loop: asyncio.AbstractEventLoop,
              protocol: Callable[[], asyncio.Protocol]) -> None:
        """Serve the connections the parent sent (one per message)."""
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.channel, 16, 4)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data, fds = b"", []
            if not data:  # the parent closed its end: stop as on SIGTERM
                loop.remove_reader(self.channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                conn = socket.socket(fileno=fd)
                conn.setblocking(False)
                task = loop.create_task(loop.connect_accepted_socket(protocol, conn))
                self._handing.add(task)
                task.add_done_callback(self._handed)

    def _handed(self, task: asyncio.Task[Any]) -> None:
        self._handing.discard(task)
        if not task.cancelled() and task.exception() is not None:  # never served: not open
            log.warning("En forbindelse kunne ikke tages i brug: %s", task.exception())
            with contextlib.suppress(OSError):
                self.channel.send(CLOSED)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        with contextlib.suppress(OSError, ValueError):
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets=sockets)


class _Slot:
    """One worker: its process, the parent's end of its channel, its open connections."""

    def __init__(self, process: BaseProcess, channel: socket.socket) -> None:
        self.process, self.channel, self.open = process, channel, 0
        self.listening = True  # the parent reads the worker's notes
        self.ready = False  # warmed up (a new worker's first callers would wait for that)


def serve_workers(app: str, *, host: str, port: int, workers: int,
                  log_config: dict[str, Any]) -> None:
    """Run `workers` processes serving the app factory `app` ("module:function") until
    SIGTERM or SIGINT. Raises PortTaken before any worker starts if the port is taken."""
    listener = listening_socket(host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    selector = selectors.DefaultSelector()

    def start() -> _Slot:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = context.Process(target=_worker, args=(app, theirs, host, port, log_config),
                                  daemon=False)
        process.start()
        theirs.close()
        slot = _Slot(process, ours)
        selector.register(ours, selectors.EVENT_READ, slot)
        return slot

    def retire(slot: _Slot) -> None:
        if slot.listening:
            selector.unregister(slot.channel)
        slot.channel.close()

    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)}
    slots = [start() for _ in range(workers)]
    listener.listen(BACKLOG)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ, None)
    log.info("Startede %d arbejdsprocesser på %s:%d (forbindelser fordeles på den med færrest)",
             workers, host, port)
    try:
        while not stop.is_set():
            for key, _ in selector.select(0.5):
                if key.data is None:
                    _hand_over(listener, slots)
                elif not _count_closed(key.data):  # the worker's end closed: it is going
                    selector.unregister(key.data.channel)
                    key.data.listening = False
            for i, slot in enumerate(slots):
                if not slot.process.is_alive() and not stop.is_set():
                    log.warning("Arbejdsproces %s stoppede (kode %s); starter en ny",
                                slot.process.pid, slot.process.exitcode)
                    retire(slot)
                    slots[i] = start()
    finally:
        selector.unregister(listener)
        listener.close()  # no new connections from here
        for slot in slots:
            if slot.process.is_alive():
                slot.process.terminate()  # SIGTERM: uvicorn finishes its requests, then stops
        for slot in slots:
            slot.process.join(STOP_GRACE_SECONDS)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            retire(slot)
        selector.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _hand_over(listener: socket.socket, slots: list[_Slot]) -> None:
    """Accept what is waiting and pass each connection to the least busy live worker (one
    still warming up only when none is ready)."""
    while True:
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # e.g. out of file descriptors: the client may retry
            log.warning("Kunne ikke modtage en forbindelse: %s", exc.strerror)
            return
        with conn:  # the worker holds its own copy once sent; ours closes here
            for slot in sorted((s for s in slots if s.listening),
                               key=lambda s: (not s.ready, s.open)):
                try:
                    socket.send_fds(slot.channel, [NEW], [conn.fileno()])
                except OSError:
                    continue  # that worker is going away; try the next
                slot.open += 1
                break


def _count_closed(slot: _Slot) -> bool:
    """Read the worker's "closed" notes (one a message); False when its end is closed."""
    while True:
        try:
            data = slot.channel.recv(16, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return False
        if not data:
            return False
        if data == READY:
            slot.ready = True
        else:
            slot.open = max(0, slot.open - 1)
