"""`aftaleflow masterdata import` as an administrator runs it: preview, load, refusal."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from aftaleflow.domain.model import Municipality
from aftaleflow.services.structure.masterdata import snapshot
from tests.cli.test_cli import env_for, run
from tests.conftest import dump
from tests.factories import Spec, new_agreement
from tests.services.test_masterdata_import import (
    copy_of_the_data,
    edit,
    line_of,
    move_middelfart_to_fyn,
)


def test_dry_run_prints_the_moved_membership_and_the_cases_it_touches(
        ctx, clock, engine, db_url, tmp_path) -> None:
    clock.set(date(2026, 12, 1))
    new_agreement(ctx, Spec(kind="regional_samarbejdsaftale", cluster=None,
                                       title="Den gode udskrivelse"))
    move_middelfart_to_fyn(copy_of_the_data(tmp_path))
    env = env_for(db_url, AFTALEFLOW_TODAY="2026-12-01")
    before = dump(engine)
    preview = run(["masterdata", "import", str(tmp_path), "--dry-run"], env)
    assert preview.returncode == 0, preview.stderr
    assert dump(engine) == before
    assert preview.stdout.splitlines() == [
        f"Prøvekørsel - intet er indlæst. Kilde: {tmp_path}; ændringer gælder fra 2026-12-01 "
        f"(sha256 {preview.stdout.split('sha256 ')[1][:12]}).",
        "Tilføjes (1):",
        "  medlemskab Middelfart (410) i Sundhedsråd Fyn (omstridt), gyldig 2027-01-01–",
        "Ophører (1):",
        "  medlemskab Middelfart (410) i Sundhedsråd Lillebælt (omstridt): træder aldrig i "
        "kraft (skulle have gældt fra 2027-01-01)",
        "Ændres: ingen",
        "Åbne sager, der berøres: ingen",  # a regional agreement keeps its 23 parties
    ]
    loaded = run(["masterdata", "import", str(tmp_path)], env)
    assert loaded.returncode == 0, loaded.stderr
    assert "Stamdata er indlæst" in loaded.stdout and "Tilføjes (1):" in loaded.stdout
    with Session(engine) as s:
        areas = snapshot(s, date(2027, 1, 1)).area_municipalities
        middelfart = s.exec(select(Municipality).where(Municipality.code == "410")).one().id
    assert middelfart in areas["sundhedsraad-fyn"]
    assert middelfart not in areas["sundhedsraad-lillebaelt"]
    again = run(["masterdata", "import", str(tmp_path), "--dry-run"], env)
    assert "Ingen ændringer" in again.stdout


def test_a_broken_file_gives_file_line_and_field_and_exit_code_2(
        engine, db_url, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "municipalities.yaml", "valid_from: '2027-01-01'", "valid_from: '1. januar'")
    before = dump(engine)
    result = run(["masterdata", "import", str(data), "--dry-run"], env_for(db_url))
    assert result.returncode == 2
    line = line_of(data, "municipalities.yaml", "1. januar")
    assert (f"municipalities.yaml, linje {line}, felt 'municipalities.regions.valid_from': "
            "ugyldig dato '1. januar'") in result.stderr
    assert "Traceback" not in result.stderr and dump(engine) == before


def test_the_readme_names_only_options_the_import_command_has() -> None:
    import re

    from typer.main import get_command

    from aftaleflow.cli.app import app
    from tests.test_readme import README

    section = README[README.index("### Importing a new version"):]
    section = section[:section.index("\n## ")]
    command = get_command(app).commands["masterdata"].commands["import"]  # type: ignore[attr-defined]
    options = {o for p in command.params for o in p.opts}
    assert set(re.findall(r"(--[a-z-]+)", section.split("**Agreement kinds")[0])) <= options
    create = get_command(app).commands["agreement"].commands["create"]  # type: ignore[attr-defined]
    assert "--part" in {o for p in create.params for o in p.opts}


def test_several_faults_are_all_named_in_one_run(engine, db_url, tmp_path) -> None:
    from tests.services.test_masterdata_every_problem import several_faults

    expected = several_faults(tmp_path)
    before = dump(engine)
    result = run(["masterdata", "import", str(tmp_path), "--dry-run"], env_for(db_url))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for text in expected.values():
        assert text in result.stderr
    assert dump(engine) == before
