"""`aftaleflow api --workers N`: the parent alone listens on the port and hands each new
connection to the worker that holds the fewest (so keep-alive clients spread evenly), a
worker that dies is replaced, a taken port is refused in Danish before any worker starts,
and SIGTERM stops every worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from tests.live_server import free_port
from tests.processes import ROOT, start_module, stop_process, wait_for

LISTEN, ESTABLISHED = "0A", "01"  # TCP states in /proc/net/tcp


def _tcp_rows(port: int, state: str) -> dict[str, str]:
    """Socket inode → local address, for this port's sockets in `state`."""
    rows = [row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return {row[9]: row[1] for row in rows
            if row[1].endswith(f":{port:04X}") and row[3] == state}


def _listening_sockets(port: int) -> int:
    return len(_tcp_rows(port, LISTEN))


def _children(pid: int) -> list[int]:
    """The worker processes (multiprocessing's resource tracker is a child too)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and b"--multiprocessing-fork" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _connections_per_worker(parent: int, port: int) -> Counter[int]:
    """How many of the port's established connections each worker process holds."""
    inodes = _tcp_rows(port, ESTABLISHED)
    held: Counter[int] = Counter()
    for worker in _children(parent):
        for fd in Path(f"/proc/{worker}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held[worker] += 1
    return held


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "AFTALEFLOW_STATE_DIR": str(tmp_path)}
    env.pop("AFTALEFLOW_DATABASE_URL", None)
    return env


def _started(log: Path) -> int:
    return log.read_text(errors="replace").count("Application startup complete.")


def test_keep_alive_connections_spread_evenly_over_the_workers_and_sigterm_stops_them_all(
        tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "api.log"
    process = start_module(["aftaleflow", "api", "--port", str(port), "--workers", "3"],
                           _env(tmp_path), log)
    clients: list[httpx.Client] = []
    try:
        wait_for(lambda: _started(log) >= 3, 120, "three workers")
        assert _listening_sockets(port) == 1  # the parent's, and no worker's
        for _ in range(9):  # nine keep-alive clients at once: three a worker
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
            assert client.get("/openapi.json").status_code == 200
            clients.append(client)
        assert sorted(_connections_per_worker(process.pid, port).values()) == [3, 3, 3]
        for client in clients[:3]:  # closed connections are counted off (the workers say so)
            client.close()
        wait_for(lambda: sum(_connections_per_worker(process.pid, port).values()) == 6, 30,
                 "three connections closed")
        for _ in range(3):
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
            assert client.get("/openapi.json").status_code == 200
            clients.append(client)
        assert sorted(_connections_per_worker(process.pid, port).values()) == [3, 3, 3]
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert _listening_sockets(port) == 0
    finally:
        for client in clients:
            client.close()
        stop_process(process)
    assert "Traceback" not in log.read_text(errors="replace")


def test_a_worker_that_dies_is_replaced_and_new_connections_reach_it(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "api.log"
    process = start_module(["aftaleflow", "api", "--port", str(port), "--workers", "2"],
                           _env(tmp_path), log)
    try:
        wait_for(lambda: _started(log) >= 2, 120, "two workers")
        victim = _children(process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: _started(log) >= 3, 120, "a new worker in its place")
        assert victim not in _children(process.pid)
        assert len(_children(process.pid)) >= 2
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(4)]
        try:
            assert all(c.get("/openapi.json").status_code == 200 for c in clients)
            assert sorted(_connections_per_worker(process.pid, port).values()) == [2, 2]
        finally:
            for client in clients:
                client.close()
        assert "starter en ny" in log.read_text(errors="replace")
    finally:
        stop_process(process)


def test_a_taken_port_is_refused_in_danish_before_any_worker_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "aftaleflow", "api", "--port", str(port), "--workers", "2"],
            env=_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"Kan ikke lytte på 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Application startup complete." not in result.stderr + result.stdout
