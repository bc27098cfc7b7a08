"""Several API worker processes on one port, each listening on a socket of its own.

uvicorn's `--workers` shares one listening socket among its workers. Under a burst of new
connections the first worker to wake accepts many of them at once (asyncio accepts in a
loop until the queue is empty), and keep-alive connections stay where they landed: measured
under the load benchmark (4 workers, 50 clients), one worker did 45 % of the work, bound to
one core by its interpreter lock, while another did 3 %. Here each worker binds its own
socket with SO_REUSEPORT and the kernel spreads the connections over them.

The parent only starts the workers, starts a new one in place of one that dies, and stops
them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger("uvicorn.error")
BACKLOG = 2048  # uvicorn's default
STOP_GRACE_SECONDS = 30


class PortTaken(Exception):
    """The address cannot be listened on (another program has it)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that shares the port with this run's other workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortTaken(f"{host}:{port}: {exc.strerror}") from exc
    return sock


def _worker(app: str, host: str, port: int, log_config: dict[str, Any]) -> None:
    import uvicorn

    sock = listening_socket(host, port)
    sock.listen(BACKLOG)
    config = uvicorn.Config(app, factory=True, host=host, port=port, log_level="info",
                            log_config=log_config)
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(app: str, *, host: str, port: int, workers: int,
                  log_config: dict[str, Any]) -> None:
    """Run `workers` processes serving the app factory `app` ("module:function") until
    SIGTERM or SIGINT. Raises PortTaken before any worker starts if the port is taken."""
    # Bound (not listening) for the whole run: the port is checked here, once, and a
    # program that does not share ports cannot take it between two worker starts.
    reserved = listening_socket(host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(app, host, port, log_config),
                                  daemon=False)
        process.start()
        return process

    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)}
    running = [start() for _ in range(workers)]
    log.info("Startede %d arbejdsprocesser på %s:%d (hver med sin egen sokkel)",
             workers, host, port)
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(running):
                if not process.is_alive() and not stop.is_set():
                    log.warning("Arbejdsproces %s stoppede (kode %s); starter en ny",
                                process.pid, process.exitcode)
                    running[i] = start()
    finally:
        for process in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes its requests, then stops
        for process in running:
            process.join(STOP_GRACE_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        reserved.close()
