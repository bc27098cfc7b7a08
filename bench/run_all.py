"""Every benchmark in one run, each figure next to its raw baseline measured in the same run.

    uv run python bench/run_all.py [--quick] [--documents] [--json FILE]

SQLite always; PostgreSQL too when AFTALEFLOW_BENCH_PG_URL is set (e.g.
postgresql+psycopg://postgres@127.0.0.1:55432/postgres; databases are created and dropped).
`--documents` adds bench_documents.py (about 30 s) and bench_mail.py (a reminder day of 1,380
mails, a few minutes with its set-up); the reminder scan always runs.
`--json FILE` also writes every figure with its baseline, ratio, target and met / not met,
with the date and the machine's load (shared machines: compare ratios, not times).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_cli  # noqa: E402
import bench_scale as scale  # noqa: E402


def verdict(r: scale.Result) -> str:
    return "-" if r.met is None else ("met" if r.met else "not met")


def table(results: list[scale.Result]) -> str:
    lines = [f"{'benchmark':<58} {'figure':>12} {'raw':>12} {'ratio':>8}  {'target':<22} "
             f"{'':<8} note", "-" * 148]
    for r in results:
        figure = "n/a" if math.isnan(r.figure) else f"{r.figure:,.1f} {r.unit}"
        raw = f"{r.baseline:,.1f} {r.unit}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.1f}×" if r.ratio is not None else "-"
        lines.append(f"{r.name:<58} {figure:>12} {raw:>12} {ratio:>8}  {r.target:<22} "
                     f"{verdict(r):<8} {r.note}")
    return "\n".join(lines)


def as_json(results: list[scale.Result], started: datetime, seconds: float,
            load_at_start: tuple[float, ...] | None = None) -> dict[str, Any]:
    """The whole run as data: each row with baseline, ratio, target and met / not met."""
    rows = []
    for r in results:
        row = asdict(r)
        row["figure"] = None if math.isnan(r.figure) else r.figure
        row["ratio"] = r.ratio
        row["verdict"] = verdict(r)
        rows.append(row)
    return {"measured_at": started.isoformat(timespec="seconds"),
            "load_average_at_start": list(load_at_start or os.getloadavg()),
            "load_average": list(os.getloadavg()), "cpus": os.cpu_count(),
            "python": platform.python_version(), "seconds": round(seconds, 1),
            "results": rows}


def _figure(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"


def markdown_rows(data: dict[str, Any]) -> list[str]:
    """A run's targeted rows as README table lines (figure, raw, target, verdict): the README's
    tables are copied from a results file, never typed (tests/test_bench.py compares them)."""
    lines = []
    for row in data["results"]:
        if not row["target"]:
            continue
        figure = "n/a" if row["figure"] is None else _figure(row["figure"], row["unit"])
        raw = "—" if row["baseline"] is None else _figure(row["baseline"], row["unit"])
        lines.append(f"| {row['name']} | {figure} | {raw} | {row['target']} | "
                     f"{row['verdict']} |")
    return lines


def run_script(name: str, *args: str, timeout: float = 900) -> list[scale.Result]:
    """A benchmark in its own process (own memory, own imports), read from its JSON lines."""
    done = subprocess.run([sys.executable, str(HERE / name), *args, "--json"],
                          capture_output=True, text=True, timeout=timeout)
    rows = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not rows:
        return [scale.Result(name, float("nan"), None, "",
                             note=f"failed: {done.stderr[-200:]}")]
    return [scale.Result(**json.loads(line)) for line in rows]


def sqlite_results(quick: bool) -> list[scale.Result]:
    results: list[scale.Result] = []
    with tempfile.TemporaryDirectory(prefix="aftaleflow-bench-") as tmp:
        directory = Path(tmp)
        with scale.sqlite_backend(directory, "transitions") as b:
            results += scale.transitions(b, 300 if quick else 2000)
        with scale.sqlite_backend(directory, "rounds") as b:
            results += scale.round_start(b, 10 if quick else 30)
        with scale.sqlite_backend(directory, "matrix") as b:
            results += scale.matrix(b, 100 if quick else 1000)
        results += scale.search_bench(directory, 1000 if quick else 10_000)
        results += bench_cli.cli_startup(directory, 3 if quick else 7)
    return results


def postgres_results(url: str, quick: bool) -> list[scale.Result]:
    results: list[scale.Result] = []
    with scale.postgres_backend(url, "transitions") as b:
        results += scale.transitions(b, 150 if quick else 1000)
    with scale.postgres_backend(url, "rounds") as b:
        results += scale.round_start(b, 10 if quick else 20)
    with scale.postgres_backend(url, "matrix") as b:
        results += scale.matrix(b, 100 if quick else 1000)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke test)")
    parser.add_argument("--documents", action="store_true", help="also bench_documents.py")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write every figure, baseline, ratio, target and verdict")
    args = parser.parse_args()
    started, clock, load = datetime.now(UTC), time.perf_counter(), os.getloadavg()
    print(f"load average {', '.join(f'{x:.2f}' for x in load)} "
          f"on {os.cpu_count()} CPUs", flush=True)
    results = sqlite_results(args.quick)
    pg = os.environ.get("AFTALEFLOW_BENCH_PG_URL")
    if pg:
        results += postgres_results(pg, args.quick)
    else:
        results.append(scale.Result("PostgreSQL (a)–(c)", float("nan"), None, "",
                                    note="skipped: set AFTALEFLOW_BENCH_PG_URL"))
    if pg:
        results += run_script("bench_load.py", *(["--agreements", "1"] if args.quick else []))
        results += run_script("bench_public.py", *(["--agreements", "10", "--requests", "300"]
                                                   if args.quick else []))
    results += run_script("bench_reminders.py",
                          *(["--approvals", "10000"] if args.quick else []))
    if args.documents:
        results += run_script("bench_documents.py",
                              *(["--runs", "1", "--items", "10"] if args.quick else []))
        results += run_script("bench_mail.py", *(["--rounds", "2"] if args.quick else []),
                              timeout=2400)
    print(table(results))
    seconds = time.perf_counter() - clock
    if args.json:
        args.json.write_text(json.dumps(as_json(results, started, seconds, load), indent=2,
                                        ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written: {args.json}")
    print(f"total {seconds:.0f} s; load average now "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
