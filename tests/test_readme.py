"""The README states the contract: the two commands and the role table as the code has it."""

from pathlib import Path

from aftaleflow.domain.access import role_table_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_role_table_is_the_code_table() -> None:
    assert role_table_markdown() in README


def test_readme_shows_the_two_commands() -> None:
    assert "python -m pip install -q uv && uv run aftaleflow demo" in README
    assert "python -m pip install -q uv && uv run pytest -q" in README


def test_readme_shows_the_text_and_archive_commands_that_exist() -> None:
    """The commands of the section on text versions and the archive package run as shown."""
    from typer.testing import CliRunner

    from aftaleflow.cli.app import app

    for command in (["agreement", "revise"], ["agreement", "texts"], ["agreement", "diff"],
                    ["archive", "create"], ["archive", "verify"]):
        assert f"aftaleflow {' '.join(command).replace(' create', '')} " in README
        assert CliRunner().invoke(app, [*command, "--help"]).exit_code == 0
    assert "GET /agreements/{id}/diff?from=1&to=2" in README
