"""Every help page of the CLI, each command group's as well as each command's, has an example."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from aftaleflow.cli.app import app


def _pages(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                             bool]]:
    """(path, is a group) for the command and everything below it."""
    pages = [(path, isinstance(command, TyperGroup))]
    if isinstance(command, TyperGroup):
        for name, sub in sorted(command.commands.items()):
            pages += _pages(sub, (*path, name))
    return pages


def test_every_command_groups_help_has_an_example() -> None:
    pages = _pages(get_command(app))
    groups = [path for path, is_group in pages if is_group]
    assert len(groups) >= 14  # the top level and its 13 groups
    missing = []
    for path, _is_group in pages:
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        shown = f"Eksempel: aftaleflow {' '.join(path[:1])}".rstrip()  # `archive 3` = create
        if shown not in " ".join(result.output.split()):
            missing.append(" ".join(path) or "(aftaleflow)")
    assert not missing, missing


def test_a_groups_example_shows_through_the_real_command() -> None:
    result = subprocess.run([sys.executable, "-m", "aftaleflow", "approval", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "Eksempel: aftaleflow approval record" in result.stdout
