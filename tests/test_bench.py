"""bench/run_all.py: every figure with its baseline, ratio, target and met / not met."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import BACKEND, PG_URL

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_scale as scale
import run_all


def _check_row(row: dict[str, object]) -> None:
    assert {"name", "figure", "baseline", "ratio", "target", "met", "verdict"} <= set(row)
    assert row["target"], row
    assert row["verdict"] == ("met" if row["met"] else "not met")
    assert row["ratio"] == pytest.approx(row["figure"] / row["baseline"])  # type: ignore[operator]


def test_write_path_rows_carry_baseline_ratio_target_and_verdict(tmp_path: Path) -> None:
    with scale.sqlite_backend(tmp_path, "t") as backend:
        results = scale.transitions(backend, 30) + scale.round_start(backend, 2)
    data = json.loads(json.dumps(run_all.as_json(results, datetime.now(UTC), 1.0)))
    assert len(data["load_average"]) == 3 and data["measured_at"]
    transition, round_start = data["results"]
    for row in data["results"]:
        _check_row(row)
    assert transition["target"] == "≤ 15× raw, ≥ 1,500/s"
    assert transition["met"] == (transition["ratio"] <= 15
                                 and 1e6 / transition["figure"] >= 1500)
    assert round_start["target"] == "≤ 5 ms"
    assert round_start["met"] == (round_start["figure"] <= 5)
    printed = run_all.table(results)
    for r in results:
        assert f"{r.target:<22} {run_all.verdict(r):<8}" in printed


def test_matrix_row_targets_one_point_two_times_raw_measured_in_turn(tmp_path: Path) -> None:
    with scale.sqlite_backend(tmp_path, "m") as backend:
        [row] = scale.matrix(backend, 20, with_old=False)
    data = run_all.as_json([row], datetime.now(UTC), 1.0)["results"][0]
    _check_row(data)
    assert data["target"] == "≤ 1.2× raw"
    assert data["met"] == (data["figure"] <= 1.2 * data["baseline"])
    assert "in turn" in data["note"]


def test_reminder_scan_keeps_its_target_through_its_json_line() -> None:
    [result] = run_all.run_script("bench_reminders.py", "--approvals", "300")
    assert result.target == "< 1 s" and result.baseline
    assert result.met == (result.figure < 1000)


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL rows need a server URL")
def test_postgresql_rows_have_their_own_targets() -> None:
    with scale.postgres_backend(PG_URL, "benchtest") as backend:
        results = scale.transitions(backend, 20) + scale.round_start(backend, 2)
    rows = run_all.as_json(results, datetime.now(UTC), 1.0)["results"]
    for row in rows:
        _check_row(row)
    assert [r["target"] for r in rows] == ["≤ 4× raw", "≤ 10 ms"]
    assert rows[0]["name"].startswith("PostgreSQL")


def test_readme_lists_every_benchmark_target_and_the_json_option() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "bench/run_all.py" in readme and "--json FILE" in readme
    for target in ("SQLite ≤ 15× raw, ≥ 1,500/s", "| ≤ 4× raw |", "SQLite ≤ 5 ms",
                   "PostgreSQL ≤ 10 ms", "| ≤ 2× raw |", "| < 1 s |", "| ≤ 1.2× raw |"):
        assert target in readme, target


def test_readme_states_the_matrix_and_cli_read_targets_and_the_floor() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "| one query returning the same cells | ≤ 1.2× raw, both backends |" in readme
    assert ("| its floor: `python -c` with SQLAlchemy Core reading and printing the same rows "
            "| ≤ 0.5 s |") in readme
    import bench_cli

    assert bench_cli.SHOW_TARGET_S == 0.5 and scale.MATRIX_LIMIT == 1.2
    assert "from sqlalchemy import create_engine, text" in bench_cli.FLOOR_READ


def test_cli_startup_caches_bytecode_and_adds_an_uncached_row(tmp_path: Path,
                                                              monkeypatch) -> None:
    """The CLI bench runs as a default Python does, plus one row with no bytecode cache."""
    import bench_cli

    seen: list[tuple[list[str], dict[str, str]]] = []

    def fake_median(commands, runs, env):  # type: ignore[no-untyped-def]
        seen.append((sorted(commands), dict(env)))
        return {name: (0.5, 0.4) for name in commands}

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    monkeypatch.setattr(bench_cli, "build_demo", lambda state: state / "aftaleflow.db")
    monkeypatch.setattr(bench_cli, "median_seconds", fake_median)
    show, _floor, uncached, help_ = bench_cli.cli_startup(tmp_path, runs=3)
    (first, cold_env), (names, warm_env) = seen
    assert first == ["show"] and cold_env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert cold_env["PYTHONPYCACHEPREFIX"].startswith(str(tmp_path))
    assert "PYTHONDONTWRITEBYTECODE" not in warm_env and "PYTHONPYCACHEPREFIX" not in warm_env
    assert names == ["floor", "help", "pass", "raw", "show"]
    assert show.met and show.target == "≤ 0.5 s" and "bytecode cached" in show.note
    assert uncached.met is None and not uncached.target
    assert help_.target == "< 0.5 s"


@pytest.mark.parametrize("show_s", [0.45, 0.55])
def test_cli_read_row_prints_its_floor_beside_it_and_computes_met(tmp_path: Path, monkeypatch,
                                                                 show_s: float) -> None:
    import bench_cli

    def fake_median(commands, runs, env):  # type: ignore[no-untyped-def]
        walls = {"show": show_s, "floor": 0.28, "raw": 0.04, "pass": 0.02, "help": 0.1}
        return {name: (walls[name], walls[name] * 0.9) for name in commands}

    monkeypatch.setattr(bench_cli, "build_demo", lambda state: state / "aftaleflow.db")
    monkeypatch.setattr(bench_cli, "median_seconds", fake_median)
    show, floor = bench_cli.cli_startup(tmp_path, runs=3)[:2]
    assert show.figure == pytest.approx(show_s * 1000) and show.target == "≤ 0.5 s"
    assert show.met == (show_s <= 0.5)
    assert "floor 280 ms" in show.note
    assert floor.name.startswith("(d) its floor") and floor.figure == pytest.approx(280)
    assert floor.target == "" and floor.met is None
    assert f"agreement show {show_s * 1000 - 280:+.0f} ms above it" in floor.note


def test_cli_floor_reads_the_agreement_and_its_parties_through_sqlalchemy(tmp_path: Path
                                                                          ) -> None:
    """The floor process really reads and prints the rows `agreement show` prints."""
    import os
    import subprocess

    import bench_cli

    database = bench_cli.build_demo(tmp_path / "state")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", bench_cli.FLOOR_READ,
                           f"sqlite:///{database}", "3"],
                          capture_output=True, text=True, timeout=120, check=True)
    shown = subprocess.run(bench_cli.cli("agreement", "show", "3"), capture_output=True,
                           text=True, timeout=120, check=True,
                           env={**os.environ,
                                "AFTALEFLOW_STATE_DIR": str(tmp_path / "state")}).stdout
    assert done.stdout.splitlines()[0] == shown.splitlines()[0]
    parties = shown.split("Parter i godkendelsesrunden:\n")[1].splitlines()
    names = [line[4:56].rstrip() for line in parties if line.startswith("    ")
             and not line.startswith("      ")]
    floor_names = [line[4:56].rstrip() for line in done.stdout.splitlines()
                   if line.startswith("    ")]
    assert len(names) == 7 and floor_names == names  # the round's parties, in the same order
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0]
                for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "sqlalchemy" in imported
    assert imported & {"sqlmodel", "pydantic", "typer", "aftaleflow"} == set()


def test_readme_figures_are_the_newest_recorded_run_and_every_target_was_met() -> None:
    """The README's measured table is backed by the run's own JSON in bench/results/."""
    root = Path(__file__).resolve().parents[1]
    newest = max((root / "bench" / "results").glob("*.json"))
    data = json.loads(newest.read_text(encoding="utf-8"))
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"bench/results/{newest.name}" in readme
    measured = datetime.fromisoformat(data["measured_at"])
    assert f"Measured {measured.day} {measured:%B} {measured.year}" in readme
    targeted = [r for r in data["results"] if r["target"]]
    assert {r["verdict"] for r in targeted} == {"met"}, [r["name"] for r in targeted
                                                         if r["verdict"] != "met"]
    names = " ".join(r["name"] for r in targeted)
    for figure in ("SQLite: transition", "PostgreSQL: transition", "round start",
                   "status matrix", "agreement show", "search", "reminder scan", "PDF/A",
                   "4 workers"):
        assert figure in names, figure
    assert max(data["load_average_at_start"]) < 2.5  # measured on a quiet machine
    rows = run_all.markdown_rows(data)  # the table is the file's, row for row (not typed)
    assert all(line in readme for line in rows), [line for line in rows if line not in readme]
    server = [r["note"] for r in data["results"] if "server " in r["note"]]
    assert server and all(note in readme for note in server)  # the per-route figures


def test_documents_run_adds_the_mail_benchmark_and_the_readme_lists_its_targets(
        monkeypatch) -> None:
    calls: list[tuple[str, ...]] = []

    def fake_script(name: str, *args: str, timeout: float = 900) -> list[scale.Result]:
        calls.append((name, *args))
        return []

    monkeypatch.setattr(run_all, "sqlite_results", lambda quick: [])
    monkeypatch.setattr(run_all, "run_script", fake_script)
    monkeypatch.delenv("AFTALEFLOW_BENCH_PG_URL", raising=False)
    monkeypatch.setattr(sys, "argv", ["run_all.py", "--quick"])
    run_all.main()
    assert not any(c[0] == "bench_mail.py" for c in calls)
    monkeypatch.setattr(sys, "argv", ["run_all.py", "--quick", "--documents"])
    run_all.main()
    assert ("bench_mail.py", "--rounds", "2") in calls
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for row in ("`aftaleflow remind` end to end (`--documents`, `bench_mail.py`) | — | ≤ 30 s |",
                "| smtplib sending the same bytes over one connection | ≥ 100 msg/s |",
                "| eskalering letter render (`--documents`) | WeasyPrint on the same HTML | "
                "≤ 1.2× raw |"):
        assert row in readme, row


@pytest.mark.slow
def test_mail_benchmark_rows_carry_targets_and_computed_verdicts() -> None:
    end_to_end, sending, render = run_all.run_script("bench_mail.py", "--rounds", "1")
    assert end_to_end.target == "≤ 30 s" and "69 of 69 messages received" in end_to_end.note
    assert end_to_end.met == (end_to_end.figure <= 30)
    assert sending.target == "≥ 100 msg/s" and sending.baseline
    assert sending.met == (sending.figure >= 100) and "ratio" in sending.note
    assert render.target == "≤ 1.2× raw" and render.baseline
    assert render.met == (render.figure <= 1.2 * render.baseline)


def test_readme_shows_the_newest_progress_run_row_for_row_from_its_file() -> None:
    """A run with a target not met is kept under bench/results/progress/ and shown in the
    README as it is, each targeted row copied from the file (not typed)."""
    root = Path(__file__).resolve().parents[1]
    runs = sorted((root / "bench" / "results" / "progress").glob("*.json"))
    if not runs:
        pytest.skip("no run with a target not met is recorded")
    newest = runs[-1]
    data = json.loads(newest.read_text(encoding="utf-8"))
    all_met = json.loads(max((root / "bench" / "results").glob("*.json")).read_text(
        encoding="utf-8"))
    if all_met["measured_at"] > data["measured_at"]:
        pytest.skip("a later run met every target: the README shows that one")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"bench/results/progress/{newest.name}" in readme
    rows = run_all.markdown_rows(data)
    assert rows and all(line in readme for line in rows), [
        line for line in rows if line not in readme]
    assert any(line.endswith("| not met |") for line in rows)  # else it belongs in results/
    measured = datetime.fromisoformat(data["measured_at"])
    assert f"{measured.day} {measured:%B} {measured.year}" in readme
