"""The README's seed-004 walkthrough (a 2021 meeting typed in as history) runs as written.

The code block is read from the README and every command in it is run, verbatim, against a
fresh database in a directory holding the clerk's files (resume.txt, sagsfremstilling.txt,
aftaletekst.pdf); `uv run aftaleflow` becomes this interpreter's `-m aftaleflow`.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pikepdf

from tests.cli.test_cli import env_for
from tests.cli.test_seed_004 import ACCOUNT, SUMMARY, bilag_pdf
from tests.test_readme import README

ANCHOR = "uv run aftaleflow body add fou-657"


def walkthrough() -> list[list[str]]:
    """The commands of the README's bash block that adds Forebyggelsesudvalget's item 18."""
    block = next(b.split("\n", 1)[1] for b in README.split("```bash")[1:]
                 if ANCHOR in b.split("```", 1)[0]).split("```", 1)[0]
    joined = block.replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in joined.splitlines() if line.strip()]


def run_verbatim(words: list[str], env: dict[str, str], cwd: Path
                 ) -> subprocess.CompletedProcess[str]:
    assert words[:3] == ["uv", "run", "aftaleflow"], words
    return subprocess.run([sys.executable, "-m", "aftaleflow", *words[3:]], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_the_readmes_seed_004_walkthrough_runs_as_written(databases, tmp_path) -> None:
    commands = walkthrough()
    assert [c[3:5] for c in commands][-3:] == [["meeting", "create"], ["meeting", "add-item"],
                                               ["render", "agenda"]]
    (tmp_path / "resume.txt").write_text(SUMMARY, encoding="utf-8")
    (tmp_path / "sagsfremstilling.txt").write_text(ACCOUNT, encoding="utf-8")
    bilag_pdf(tmp_path / "aftaletekst.pdf", 2)
    env = env_for(databases.create("readme_seed004"), AFTALEFLOW_STATE_DIR=str(tmp_path))
    for words in commands:
        result = run_verbatim(words, env, tmp_path)
        assert result.returncode == 0, (words, result.stdout, result.stderr)
    with pikepdf.open(tmp_path / "dagsorden.pdf") as pdf:
        assert len(pdf.pages) >= 3  # the item and the two bilag pages


def test_a_late_item_without_a_reason_names_the_cli_options_not_api_fields(
        databases, tmp_path) -> None:
    commands = walkthrough()
    add_item = next(c for c in commands if c[3:5] == ["meeting", "add-item"])
    env = env_for(databases.create("readme_seed004_late"), AFTALEFLOW_STATE_DIR=str(tmp_path))
    (tmp_path / "resume.txt").write_text(SUMMARY, encoding="utf-8")
    (tmp_path / "sagsfremstilling.txt").write_text(ACCOUNT, encoding="utf-8")
    bilag_pdf(tmp_path / "aftaletekst.pdf", 2)
    for words in commands[:commands.index(add_item)]:
        assert run_verbatim(words, env, tmp_path).returncode == 0
    without_history = [w for w in add_item if w != "--history"]
    result = run_verbatim(without_history, env, tmp_path)
    assert result.returncode == 2
    assert "--late-reason" in result.stderr and "--history" in result.stderr
    assert "late_reason" not in result.stderr and "Traceback" not in result.stderr
    shown = run_verbatim(["uv", "run", "aftaleflow", "meeting", "show", "1"], env, tmp_path)
    assert "18." not in shown.stdout  # nothing was added


def test_history_is_refused_for_a_meeting_not_yet_held(databases, tmp_path) -> None:
    env = env_for(databases.create("readme_seed004_future"), AFTALEFLOW_STATE_DIR=str(tmp_path))
    for words in (["init"], ["meeting", "create", "--body", "kb-657", "--at", "2099-01-05",
                             "--place", "Rådhuset"],
                  ["meeting", "add-item", "1", "--title", "Meddelelser", "--history"]):
        result = run_verbatim(["uv", "run", "aftaleflow", *words], env, tmp_path)
    assert result.returncode == 2
    assert "ikke holdt endnu" in result.stderr and "--history" in result.stderr
