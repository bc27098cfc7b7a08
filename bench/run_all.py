"""Every benchmark in one run, each figure next to its raw baseline measured in the same run.

    uv run python bench/run_all.py [--quick] [--documents]

SQLite always; PostgreSQL too when AFTALEFLOW_BENCH_PG_URL is set (e.g.
postgresql+psycopg://postgres@127.0.0.1:55432/postgres; databases are created and dropped).
`--documents` adds bench_documents.py (about 30 s); the reminder scan always runs.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_cli  # noqa: E402
import bench_scale as scale  # noqa: E402


def table(results: list[scale.Result]) -> str:
    lines = [f"{'benchmark':<58} {'figure':>12} {'raw':>12} {'ratio':>8}  {'target':<22} note",
             "-" * 140]
    for r in results:
        figure = "n/a" if math.isnan(r.figure) else f"{r.figure:,.1f} {r.unit}"
        raw = f"{r.baseline:,.1f} {r.unit}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.1f}×" if r.ratio is not None else "-"
        target = r.target + ("" if r.met is None else (" met" if r.met else " NOT met"))
        lines.append(f"{r.name:<58} {figure:>12} {raw:>12} {ratio:>8}  {target:<22} {r.note}")
    return "\n".join(lines)


def run_script(name: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(HERE / name), *args], capture_output=True,
                          text=True, timeout=300)
    return done.stdout + (done.stderr if done.returncode else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke test)")
    parser.add_argument("--documents", action="store_true", help="also bench_documents.py")
    args = parser.parse_args()
    n = 300 if args.quick else 2000
    matrix_size = 100 if args.quick else 1000
    search_size = 1000 if args.quick else 10_000
    started = time.perf_counter()
    results: list[scale.Result] = []
    with tempfile.TemporaryDirectory(prefix="aftaleflow-bench-") as tmp:
        directory = Path(tmp)
        with scale.sqlite_backend(directory, "transitions") as b:
            results += scale.transitions(b, n)
        with scale.sqlite_backend(directory, "rounds") as b:
            results += scale.round_start(b, 10 if args.quick else 30)
        with scale.sqlite_backend(directory, "matrix") as b:
            results += scale.matrix(b, matrix_size)
        results += scale.search_bench(directory, search_size)
        results += bench_cli.cli_startup(directory, 3 if args.quick else 7)
    pg = os.environ.get("AFTALEFLOW_BENCH_PG_URL")
    if pg:
        with scale.postgres_backend(pg, "transitions") as b:
            results += scale.transitions(b, n // 2)
        with scale.postgres_backend(pg, "rounds") as b:
            results += scale.round_start(b, 10 if args.quick else 20)
        with scale.postgres_backend(pg, "matrix") as b:
            results += scale.matrix(b, matrix_size)
    else:
        results.append(scale.Result("PostgreSQL (a)–(c)", float("nan"), None, "",
                                    note="skipped: set AFTALEFLOW_BENCH_PG_URL"))
    print(table(results))
    if pg:
        print("\nAPI under load (bench_load.py):")
        print(run_script("bench_load.py", *(["--agreements", "1"] if args.quick else [])))
    print("\nReminder scan (bench_reminders.py):")
    print(run_script("bench_reminders.py", *(["--approvals", "10000"] if args.quick else [])))
    if args.documents:
        print("Documents (bench_documents.py):")
        print(run_script("bench_documents.py"))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
