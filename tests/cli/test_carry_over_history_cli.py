"""The Sjælland merge and the refusals after it, as the CLI shows them (issue 20, rules 4, 9)."""

from __future__ import annotations

from aftaleflow.services.uow import ServiceContext
from tests.cli.test_cli import env_for, run
from tests.factories import MovableClock
from tests.services.test_carry_over_history import sjaelland_merge


def test_agreement_show_lists_what_each_merged_cluster_reached(
        db_url: str, ctx: ServiceContext, clock: MovableClock) -> None:
    view = sjaelland_merge(ctx, clock)
    env = env_for(db_url, AFTALEFLOW_TODAY="2027-01-04")
    shown = run(["agreement", "show", str(view.id)], env)
    assert shown.returncode == 0, shown.stderr
    lines = [line.strip() for line in shown.stdout.splitlines()]
    at = lines.index(next(ln for ln in lines if ln.startswith("Sundhedsråd Østsjælland")))
    assert lines[at].split()[-2:] == ["I", "gang"]
    assert lines[at + 1:at + 3] == [
        "videreført fra Sundhedsklynge SUH (Køge/Roskilde): implementeret 10.12.2026",
        "videreført fra Sundhedsklynge Nykøbing F: ikke startet"]
    assert "videreført fra Sundhedsklynge Holbæk: i gang 02.11.2026" in lines

    refused = run(["implementation", "record", str(view.id),
                   "sundhedsklynge-suh-koege-roskilde", "implementeret"], env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert ("videreført i Sundhedsråd Østsjælland og Øerne "
            "(sundhedsraad-oestsjaelland-og-oeerne)") in refused.stderr
    assert "kør overførslen" not in refused.stderr


def test_a_refused_advance_never_lists_itself_as_allowed(db_url: str) -> None:
    env = env_for(db_url)
    created = run(["agreement", "create", "--title", "Den gode indlæggelse", "--region",
                   "hovedstaden", "--kle", "29.30.08-P27-1-26", "--case-handler", "Ane Holm"],
                  {**env, "AFTALEFLOW_TODAY": "2026-12-15"})
    assert created.returncode == 0, created.stderr
    sent = run(["agreement", "advance", "1", "send_til_ssu"],
               {**env, "AFTALEFLOW_TODAY": "2026-12-15"})
    assert sent.returncode == 0, sent.stderr
    refused = run(["agreement", "advance", "1", "indstil_til_godkendelse"],
                  {**env, "AFTALEFLOW_TODAY": "2027-02-01"})
    assert refused.returncode == 5, refused.stderr
    assert "betingelsen er ikke opfyldt" in refused.stderr
    allowed = refused.stderr.split("Tilladte handlinger:")[1]
    assert "indstil_til_godkendelse" not in allowed
    assert "tilbagetraek" in allowed


def test_a_decision_for_a_carried_over_body_names_its_successor(
        db_url: str, ctx: ServiceContext, clock: MovableClock) -> None:
    from datetime import date

    from aftaleflow.services.agreements.cases import advance_agreement
    from aftaleflow.services.structure.carryover import carry_over
    from tests.factories import new_agreement
    from tests.services.test_carry_over_history import SJAELLAND_REGIONAL

    clock.set(date(2026, 12, 15))
    case = new_agreement(ctx, SJAELLAND_REGIONAL)
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        case = advance_agreement(ctx, case.id, trigger)
    clock.set(date(2027, 1, 12))
    carry_over(ctx, date(2027, 1, 1))
    refused = run(["approval", "record", str(case.id), "rr-sjaelland", "godkendt",
                   "--decided-on", "2027-01-10"], env_for(db_url, AFTALEFLOW_TODAY="2027-01-12"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert ("Godkendelsen i runde 1 er overført til Regionsrådet, Region Østdanmark; "
            "registrér beslutningen for Regionsrådet, Region Østdanmark.") in refused.stderr
    assert "carry-over" not in refused.stderr
