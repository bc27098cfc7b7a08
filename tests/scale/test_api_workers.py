"""`aftaleflow api --workers N`: each worker listens on a socket of its own on the one port
(the kernel spreads the connections over them), a taken port is refused in Danish before any
worker starts, and SIGTERM stops every worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.live_server import free_port
from tests.processes import ROOT, start_module, stop_process, wait_for

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp


def _listening_sockets(port: int) -> int:
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows
               if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == LISTEN)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "AFTALEFLOW_STATE_DIR": str(tmp_path)}
    env.pop("AFTALEFLOW_DATABASE_URL", None)
    return env


def test_each_worker_listens_on_a_socket_of_its_own_and_sigterm_stops_them_all(
        tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "api.log"
    process = start_module(["aftaleflow", "api", "--port", str(port), "--workers", "3"],
                           _env(tmp_path), log)
    try:
        wait_for(lambda: log.read_text(errors="replace").count(
            "Application startup complete.") >= 3, 120, "three workers")
        assert _listening_sockets(port) == 3
        for _ in range(6):  # every worker answers on the one port
            assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert _listening_sockets(port) == 0
    finally:
        stop_process(process)
    assert "Traceback" not in log.read_text(errors="replace")


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
