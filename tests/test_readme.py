"""The README states the contract: the two commands and the role table as the code has it."""

from pathlib import Path

from aftaleflow.domain.access import role_table_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_role_table_is_the_code_table() -> None:
    assert role_table_markdown() in README


def test_readme_shows_the_two_commands() -> None:
    assert "python -m pip install -q uv && uv run aftaleflow demo" in README
    assert "python -m pip install -q uv && uv run pytest -q" in README
