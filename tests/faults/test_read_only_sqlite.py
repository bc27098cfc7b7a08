"""A SQLite database that cannot be written (immutable file, read-only directory): reads work,
writes are refused in Danish with exit 7, and nothing changes.

`chattr +i` makes the file (and its directory) unwritable even for root, as a read-only mount
would; the test is skipped where the file system has no immutable flag.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from aftaleflow.db import make_engine
from aftaleflow.services.structure.masterdata import load_master_data
from aftaleflow.services.uow import ServiceContext
from tests.cli.test_cli import env_for, run
from tests.factories import TRIAL_GOEDSTRUP, MovableClock, new_agreement

CREATE = ["agreement", "create", "--title", "Ny aftale", "--region", "midtjylland",
          "--kle", "29.30.08-P27-1-26", "--case-handler", "Ane Holm"]


def _chattr(flag: str, *paths: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True)
    return done.returncode == 0


@pytest.fixture(params=["file", "file-and-directory"])
def frozen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    state = tmp_path / "state"
    state.mkdir()
    database = state / "aftaleflow.db"
    engine = make_engine(f"sqlite:///{database}")
    ctx = ServiceContext(engine=engine, actor="test", clock=MovableClock())
    load_master_data(ctx)
    new_agreement(ctx, TRIAL_GOEDSTRUP)
    engine.dispose()  # the last connection checkpoints the WAL and removes -wal and -shm
    assert sorted(p.name for p in state.iterdir()) == ["aftaleflow.db"]
    frozen_paths = [database] + ([state] if request.param == "file-and-directory" else [])
    if not _chattr("+i", *frozen_paths):
        pytest.skip("no immutable flag here (chattr +i needs root and ext4 or the like)")
    try:
        yield database, env_for(f"sqlite:///{database}", AFTALEFLOW_STATE_DIR=str(tmp_path))
    finally:
        _chattr("-i", *frozen_paths)


def test_an_unwritable_database_can_be_read_and_refuses_writes_in_danish(frozen) -> None:
    database, env = frozen
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    listed = run(["agreement", "list"], env)
    assert listed.returncode == 0, listed.stderr
    assert "Udgående teams" in listed.stdout
    assert run(["status"], env).returncode == 0

    refused = run(CREATE, env)
    assert refused.returncode == 7
    assert "skrivebeskyttet" in refused.stderr and "intet er gemt" in refused.stderr
    assert "unable to open" not in refused.stderr and "Traceback" not in refused.stderr

    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    again = run(["agreement", "list"], env)
    assert again.stdout == listed.stdout  # nothing was added
