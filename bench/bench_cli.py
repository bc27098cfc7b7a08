"""CLI start-up: `aftaleflow agreement show 3` on the demo database, as a whole process.

Run: uv run python bench/bench_cli.py [--runs N]
Builds the demo database in a temporary state directory, then times each command as a fresh
process, in turn, several times, and prints medians and ratios against two baselines measured
in the same run: a bare `python -c pass`, and a raw `sqlite3` read of the same agreement in a
fresh process. Target: the whole process in at most 0.5 s; `--help` under 0.5 s.

Beside the figure stands its floor: a fresh process that imports what reading this database
needs at the least (SQLAlchemy Core: one URL for SQLite and PostgreSQL), reads the same rows
(the agreement with its region and origin cluster; its round's parties with their bodies, the
regionsråd first) and prints them a line each. What `agreement show` costs above it is the
CLI (Typer, whose parameter parsing brings pydantic) and the services that word the view; it
reads on SQLAlchemy Core as the floor does (no SQLModel, no ORM).

The processes run as a default Python does: bytecode is cached on the first (warm-up) run,
even where PYTHONDONTWRITEBYTECODE is set in this shell (as on these machines; there
`uv sync --compile-bytecode` once gives the same). One more row, without a target, shows the
same command with no bytecode cache at all, every module compiled anew.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_scale import Result  # noqa: E402

RAW_READ = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
    "print(c.execute('SELECT * FROM agreement WHERE id = 3').fetchone());"
    "print(c.execute('SELECT * FROM approval WHERE agreement_id = 3').fetchall())"
)
# The floor's read: the rows `agreement show` prints, a line each, through SQLAlchemy Core.
FLOOR_READ = """
import sys
from sqlalchemy import create_engine, text
with create_engine(sys.argv[1]).connect() as conn:
    a = conn.execute(text(
        "SELECT a.id, a.title, a.kind, a.origin, c.name, r.name, a.kle_number, a.case_handler,"
        " a.state, a.round_no, a.text_version, a.version FROM agreement a"
        " JOIN region r ON r.id = a.region_id LEFT JOIN cluster c ON c.id = a.origin_cluster_id"
        " WHERE a.id = :id"), {"id": int(sys.argv[2])}).one()
    parties = conn.execute(text(
        "SELECT b.name, p.state, p.deadline, p.meeting_date, p.decided_on FROM approval p"
        " JOIN body b ON b.id = p.body_id WHERE p.agreement_id = :id AND p.round_no = :round"
        " ORDER BY b.kind <> 'regionsraad', b.name"), {"id": a.id, "round": a.round_no}).all()
print(f"Samarbejdsaftale #{a.id}: {a.title}")
for label, value in zip(("Type", "Oprindelse", "Klynge", "Region", "Sagsnr. (KLE)",
                         "Sagsbehandler", "Tilstand", "Runde", "Tekstversion", "Version"), a[2:]):
    print(f"  {label + ':':<16}{value}")
for name, state, deadline, meeting, decided in parties:
    print(f"    {name:<52} {state:<17} {deadline or ''} {meeting or ''} {decided or ''}")
"""
SHOW_TARGET_S = 0.5
HELP_TARGET_S = 0.5


def cli(*args: str) -> list[str]:
    """The installed console script next to this interpreter (what a user runs)."""
    return [str(Path(sys.executable).with_name("aftaleflow")), *args]


def build_demo(state: Path) -> Path:
    env = {**os.environ, "AFTALEFLOW_STATE_DIR": str(state)}
    env.pop("AFTALEFLOW_DATABASE_URL", None)
    subprocess.run(cli("demo"), env=env, check=True, capture_output=True, timeout=600)
    return state / "aftaleflow.db"


def median_seconds(commands: dict[str, Sequence[str]], runs: int,
                   env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Run the commands in turn (A B C A B C ...) after one warm-up round.

    Returns each command's median wall time and median CPU time (user + sys of the child;
    on a busy machine wall time grows and CPU time stays near what a quiet one shows).
    """
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(runs + 1):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=60)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if i:  # the first round warms the file cache
                wall[name].append(elapsed)
                cpu[name].append(after.ru_utime + after.ru_stime
                                 - before.ru_utime - before.ru_stime)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name]))
            for name in commands}


def cli_startup(directory: Path, runs: int = 7) -> list[Result]:
    state = directory / "cli-state"
    database = build_demo(state)
    env = {**os.environ, "AFTALEFLOW_STATE_DIR": str(state)}
    env.pop("AFTALEFLOW_DATABASE_URL", None)
    uncached = median_seconds({"show": cli("agreement", "show", "3")}, max(runs // 2, 1), {
        **env, "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPYCACHEPREFIX": str(directory / "empty-pycache")})["show"]
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a default Python caches bytecode
    m = median_seconds({
        "show": cli("agreement", "show", "3"),
        "help": cli("--help"),
        "pass": [sys.executable, "-c", "pass"],
        "raw": [sys.executable, "-c", RAW_READ, str(database)],
        "floor": [sys.executable, "-c", FLOOR_READ, f"sqlite:///{database}", "3"],
    }, runs, env)
    ms = {name: wall * 1000 for name, (wall, _) in m.items()}
    cpu_ms = {name: cpu * 1000 for name, (_, cpu) in m.items()}
    return [
        Result("(d) aftaleflow agreement show 3 vs raw sqlite3 process", ms["show"], ms["raw"],
               "ms", f"≤ {SHOW_TARGET_S:g} s", m["show"][0] <= SHOW_TARGET_S,
               f"wall, median of {runs}; cpu {cpu_ms['show']:.0f} ms; "
               f"floor {ms['floor']:.0f} ms (cpu {cpu_ms['floor']:.0f} ms); "
               f"python -c pass {ms['pass']:.0f} ms; bytecode cached"),
        Result("(d) its floor: python + SQLAlchemy Core, the same rows read and printed",
               ms["floor"], ms["raw"], "ms",
               note=f"wall, median of {runs}; cpu {cpu_ms['floor']:.0f} ms; agreement show "
                    f"{ms['show'] - ms['floor']:+.0f} ms above it"),
        Result("(d) the same with no bytecode cache (every module compiled)",
               uncached[0] * 1000, ms["raw"], "ms",
               note=f"wall, median of {max(runs // 2, 1)}; cpu {uncached[1] * 1000:.0f} ms; "
                    f"PYTHONDONTWRITEBYTECODE set and nothing compiled: "
                    f"`uv sync --compile-bytecode` once avoids it"),
        Result("(d) aftaleflow --help vs python -c pass", ms["help"], ms["pass"], "ms",
               f"< {HELP_TARGET_S:g} s", m["help"][0] < HELP_TARGET_S,
               f"wall, median of {runs}; cpu {cpu_ms['help']:.0f} ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aftaleflow-bench-cli-") as tmp:
        for r in cli_startup(Path(tmp), args.runs):
            verdict = "" if r.met is None else ("met" if r.met else "NOT met")
            print(f"{r.name}: {r.figure:,.0f} ms, raw {r.baseline:,.0f} ms, "
                  f"{r.ratio:.1f}×, target {r.target} {verdict} ({r.note})")


if __name__ == "__main__":
    main()
