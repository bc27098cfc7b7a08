"""The README's commands for committees and agenda items use options the CLI really has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer.main

from aftaleflow.cli.app import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Agenda items as councils write them")[1].split("\n## ")[0]


def _commands() -> list[list[str]]:
    block = SECTION.split("```bash")[1].split("```")[0].replace("\\\n", " ")
    lines = [re.sub(r"#.*$", "", line).strip() for line in block.splitlines()]
    return [shlex.split(line)[3:] for line in lines if line.startswith("uv run aftaleflow")]


def test_readme_agenda_commands_use_existing_commands_and_options() -> None:
    root = typer.main.get_command(app)
    commands = _commands()
    # init and agreement create come first since the walkthrough runs verbatim
    # (tests/cli/test_readme_seed_004.py), then the five committee and agenda commands
    assert len(commands) == 7
    for words in commands:
        command = root.commands[words[0]]  # type: ignore[attr-defined]
        if hasattr(command, "commands"):  # a group: the next word names its command
            command = command.commands[words[1]]
        known = {o for p in command.params for o in getattr(p, "opts", [])}
        used = {w for w in words if w.startswith("--")}
        assert used <= known, (words[:2], used - known)


def test_readme_names_the_tagged_public_agenda_and_the_drafts_route() -> None:
    from aftaleflow.api.app import create_app
    from aftaleflow.documents.prepare import TAGGED_VARIANT

    assert TAGGED_VARIANT == "pdf/a-3a" and "PDF/A-3a" in SECTION
    paths = create_app().openapi()["paths"]
    for route in ("/agreements/{agreement_id}/drafts", "/bodies", "/bodies/{key}/end",
                  "/agenda-items/{item_id}/attachments"):
        shown = route.replace("{agreement_id}", "{id}").replace("{item_id}", "{id}")
        assert shown in SECTION and route in paths
