"""Safekeeping tests: the CLI as a separate process, with its own state folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aftaleflow.config import PROJECT_ROOT


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The state folder (keys, checkpoints) for this test, in this process and its children."""
    folder = tmp_path / "state"
    monkeypatch.setenv("AFTALEFLOW_STATE_DIR", str(folder))
    monkeypatch.delenv("AFTALEFLOW_SIGNING_KEY", raising=False)
    monkeypatch.delenv("AFTALEFLOW_CHECKPOINT_DIR", raising=False)
    return folder


def cli_env(url: str) -> dict[str, str]:
    return dict(os.environ, AFTALEFLOW_DATABASE_URL=url, AFTALEFLOW_ACTOR="test")


def cli(url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`aftaleflow *args` as its own process against `url`."""
    return subprocess.run([sys.executable, "-m", "aftaleflow", *args], env=cli_env(url),
                          cwd=cwd or PROJECT_ROOT, capture_output=True, text=True, timeout=300)
