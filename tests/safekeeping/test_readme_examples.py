"""The README's backup, restore, checkpoint and key examples run as they stand."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftaleflow.cli.app import app
from aftaleflow.services.safekeeping import pgtools
from aftaleflow.services.uow import DatabaseUnavailable

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Backups, restore and signed checkpoints of the audit chain", 1)[1]
EXAMPLE_FOLDER = "aftaleflow-20261206T003000Z"


def example_commands() -> list[list[str]]:
    block = SECTION.split("```bash\n", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    commands = []
    for line in block.splitlines():
        words = shlex.split(line.split("  #", 1)[0])
        assert words[:3] == ["uv", "run", "aftaleflow"], line
        commands.append(words[3:])
    return commands


def test_the_readme_examples_run_as_shown(tmp_path: Path, state: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # state/... in the examples is the state folder
    assert state == tmp_path / "state"
    runner = CliRunner()
    outputs: list[str] = []
    for args in example_commands():
        if "restore" in args:  # the example's folder name is the time of its backup
            [made] = (tmp_path / "backup").glob("aftaleflow-*")
            args = [a.replace(EXAMPLE_FOLDER, made.name) for a in args]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        outputs.append(result.output)
    init, key, checkpoint, verify, backup, restore, rotate = outputs
    assert "Nøglepar til signerede kontrolpunkter lavet" in init
    assert key.startswith("ed25519 ") and "gældende" in key
    assert "Kontrolpunkt skrevet" in checkpoint
    assert "stemmer med alle 1 signerede kontrolpunkter" in verify
    assert "Sikkerhedskopi skrevet" in backup
    assert "stemmer med manifestet" in restore and (state / "gendannet.db").exists()
    assert "Nyt nøglepar" in rotate and key.split()[1] not in rotate


def test_pg_dump_must_be_of_the_servers_major_version(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """README: pg_dump of the server's major version, on PATH or in Debian's directory."""
    assert "`pg_dump` and `pg_restore` of the server's major version must be on PATH" in README
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.9'\n")
    (fake / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    monkeypatch.setattr(pgtools, "DEBIAN_BIN", str(tmp_path / "none" / "{major}"))
    with pytest.raises(DatabaseUnavailable, match="pg_dump til PostgreSQL 15 findes ikke"):
        pgtools.find_tool("pg_dump", 15)
    assert pgtools.find_tool("pg_dump", 13) == str(fake / "pg_dump")
