"""`agreement create --part` and `agreement show` with parties marked foreløbig/omstridt."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.agreements.cases import advance_agreement
from tests.cli.test_cli import env_for, run
from tests.factories import Spec, new_agreement


def test_create_with_named_parties(db_url) -> None:
    result = run(["agreement", "create", "--kind", "horisontal_samarbejdsaftale",
                  "--region", "oestdanmark", "--part", "Køge", "--part", "Roskilde",
                  "--title", "Fælles akutfunktion", "--kle", "29.30.08-P27-2-27",
                  "--case-handler", "Ane Holm"], env_for(db_url, AFTALEFLOW_TODAY="2027-02-01"))
    assert result.returncode == 0, result.stderr
    assert "Kommuner som parter: Køge, Roskilde" in result.stdout
    assert "Horisontal samarbejdsaftale (sundhedslovens § 118 d)" in result.stdout


def test_show_marks_the_disputed_and_the_provisional_parties(ctx, clock, db_url) -> None:
    clock.set(date(2027, 2, 1))
    view = new_agreement(ctx, Spec(cluster="sundhedsraad-lillebaelt"))
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        advance_agreement(ctx, view.id, trigger)
    result = run(["agreement", "show", str(view.id)], env_for(db_url))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "Middelfart Kommune" in line)
    assert lines[at + 1].strip().startswith("omstridt: medlemskab: det offentlige datasæts")
    assert any(line.strip().startswith("foreløbig: ") for line in lines)
