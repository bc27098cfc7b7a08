"""`.ci/run` as CI runs it, with its tools replaced by stubs that log their arguments.

Proves the order (sync with compiled bytecode, ruff, mypy, lint-imports, the README's test
command on SQLite and then on PostgreSQL) and that the script prints its own duration, also
when a step fails.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUB = """#!/bin/sh
echo "$(basename "$0") $* db=${AFTALEFLOW_TEST_DATABASE:-sqlite}" >> "$CI_LOG"
case "$(basename "$0") $*" in
  "id -u") echo 1000 ;;
  "uv run pytest -q") [ -z "$CI_FAIL_TESTS" ] || exit 1 ;;
esac
exit 0
"""


def run_ci(tmp_path: Path, **extra: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("apt-get", "python", "uv", "su", "chown", "id"):
        stub = bin_dir / tool
        stub.write_text(STUB)
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "ci.log"
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", CI_LOG=str(log),
               TMPDIR=str(tmp_path), **extra)
    env.pop("AFTALEFLOW_TEST_DATABASE", None)
    done = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True,
                          text=True, timeout=60)
    return done, log.read_text().splitlines()


@pytest.mark.skipif(not list(Path("/usr/lib/postgresql").glob("*/bin")),
                    reason=".ci/start-postgres looks for PostgreSQL's binaries")
def test_ci_runs_the_readme_test_command_on_both_backends_and_prints_its_duration(
        tmp_path: Path) -> None:
    done, calls = run_ci(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "uv sync --locked -q --compile-bytecode db=sqlite" in calls
    tests = [c for c in calls if c.startswith("uv run pytest -q")]
    assert tests == ["uv run pytest -q db=sqlite", "uv run pytest -q db=postgresql"]
    assert calls.index("uv run ruff check . db=sqlite") < calls.index(tests[0])
    assert calls.index("uv run lint-imports db=sqlite") < calls.index(tests[0])
    assert done.stdout.strip().splitlines()[-1].startswith(".ci/run: ")
    assert done.stdout.strip().endswith(" s in all")


@pytest.mark.skipif(not list(Path("/usr/lib/postgresql").glob("*/bin")),
                    reason=".ci/start-postgres looks for PostgreSQL's binaries")
def test_ci_prints_its_duration_when_the_tests_fail(tmp_path: Path) -> None:
    done, calls = run_ci(tmp_path, CI_FAIL_TESTS="1")
    assert done.returncode != 0
    assert [c for c in calls if c.startswith("uv run pytest")] == ["uv run pytest -q db=sqlite"]
    assert done.stdout.strip().endswith(" s in all")
