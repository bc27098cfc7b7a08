"""`structure origins` and `agreement create` in 2027: no "Bestilling fra SSU" (issue 20,
rule 5)."""

from __future__ import annotations

from tests.cli.test_cli import env_for, run

CREATE = ["agreement", "create", "--title", "Udgående teams", "--region", "syddanmark",
          "--kle", "29.30.08-P27-1-27", "--case-handler", "Ane Holm"]


def test_origins_are_listed_by_day_and_a_2027_agreement_never_gets_the_ssu(db_url) -> None:
    env = env_for(db_url, AFTALEFLOW_TODAY="2027-01-04")
    listed = run(["structure", "origins"], env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split() == [
        "droeftelse_i_sundhedsraad", "Drøftelse", "i", "sundhedsrådet", "(foreløbig)",
        "(standard)"]
    assert "ssu_bestilling" not in listed.stdout
    december = run(["structure", "origins", "--date", "2026-12-15"], env)
    assert december.stdout.startswith("ssu_bestilling")

    created = run(CREATE, env)
    assert created.returncode == 0, created.stderr
    assert "Oprindelse:     Drøftelse i sundhedsrådet" in created.stdout
    assert "SSU" not in created.stdout

    refused = run([*CREATE, "--origin", "ssu_bestilling"], env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "Oprindelsen 'Bestilling fra SSU' (ssu_bestilling) gælder kun til 2026-12-31" in (
        refused.stderr)

    ceased = run([*CREATE, "--origin", "proevehandling_i_sundhedsraad", "--cluster",
                  "sundhedsklynge-lillebaelt"], env)
    assert ceased.returncode == 2
    assert ("Sundhedsklynge Lillebælt ophørte 2026-12-31, efterfølgere Sundhedsråd Lillebælt "
            "og Sundhedsråd Sydvestjylland") in ceased.stderr
