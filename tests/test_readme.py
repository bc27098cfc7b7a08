"""The README states the contract: the two commands and the role table as the code has it."""

from pathlib import Path

from aftaleflow.domain.access import role_table_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_role_table_is_the_code_table() -> None:
    assert role_table_markdown() in README


def test_readme_shows_the_two_commands() -> None:
    assert "python -m pip install -q uv && uv run aftaleflow demo" in README
    assert "python -m pip install -q uv && uv run pytest -q" in README


def test_readme_succession_example_is_the_shipped_master_data() -> None:
    import yaml

    from aftaleflow.masterdata import files, schema

    example = README.split("- key: hovedstaden\n", 1)[1].split("```", 1)[0]
    shown = yaml.safe_load("- key: hovedstaden\n" + example)[0]
    shipped = next(r for r in files.read().regions if r["key"] == "hovedstaden")
    # files.read() returns validated rows (dates as dates): read the example the same way
    shown = schema.RegionIn.model_validate(
        {"key": "hovedstaden", "name": shown["name"], "valid_from": "2007-01-01",
         "valid_to": shown["valid_to"], "succession": shown["succession"]}
    ).model_dump(exclude_unset=True)
    assert shown["succession"] == shipped["succession"]
    assert shown["valid_to"] == shipped["valid_to"]


def test_readme_carry_over_commands_exist() -> None:
    from typer.testing import CliRunner

    from aftaleflow.cli.app import app

    assert "aftaleflow structure carry-over --on 2027-01-01 --dry-run" in README
    result = CliRunner().invoke(app, ["structure", "carry-over", "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output


def test_readme_shows_the_text_and_archive_commands_that_exist() -> None:
    """The commands of the section on text versions and the archive package run as shown."""
    from typer.testing import CliRunner

    from aftaleflow.cli.app import app

    for command in (["agreement", "revise"], ["agreement", "texts"], ["agreement", "diff"],
                    ["archive", "create"], ["archive", "verify"]):
        assert f"aftaleflow {' '.join(command).replace(' create', '')} " in README
        assert CliRunner().invoke(app, [*command, "--help"]).exit_code == 0
    assert "GET /agreements/{id}/diff?from=1&to=2" in README
