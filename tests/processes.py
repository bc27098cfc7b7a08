"""Real server processes for tests: start `python -m ...` in a session of its own, wait until it
answers, stop it with its children. Also a real `prefect server start` on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def wait_for(check: Callable[[], T | None], timeout: float, what: str) -> T:
    """Ask `check` every half second until it answers; an HTTP error counts as no answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except httpx.HTTPError:
            result = None
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def start_module(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m *args` from the repository root, output to `log`, in its own session."""
    return subprocess.Popen([sys.executable, "-m", *args], env=env, cwd=ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after 30 s: no server outlives its test."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def prefect_server(state: Path, timeout: float = 240, **settings: str) -> Iterator[dict[str, str]]:
    """A real `prefect server start` on a free port of 127.0.0.1, its home below `state`.

    Yields the environment that points Prefect clients (and `aftaleflow serve`) at it;
    `settings` are extra variables for the server and for that environment.
    """
    port = free_port()
    env = dict(os.environ, PREFECT_HOME=str(state / "prefect"),
               PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", **settings)
    server = start_module(["prefect", "server", "start", "--host", "127.0.0.1",
                           "--port", str(port)], env, state / "server.log")
    try:
        with httpx.Client(timeout=10) as client:
            wait_for(lambda: client.get(f"{env['PREFECT_API_URL']}/health").status_code == 200,
                     timeout, "prefect server")
        yield env
    finally:
        stop_process(server)
