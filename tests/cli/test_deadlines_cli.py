"""Deadlines everywhere: `agreement show` and `status` print each pending party's deadline,
the rule it was counted with, and who is past it."""

from __future__ import annotations

import json

from tests.cli.test_cli import env_for, run
from tests.conftest import Databases

RULE = ("30 hverdage fra rundens start; Hverdage: mandag–fredag undtagen helligdage (Danmark); "
        "desuden lukket")


def _round_started(databases: Databases) -> tuple[dict[str, str], int]:
    env = env_for(databases.create("cli_deadlines"), AFTALEFLOW_TODAY="2026-05-04")
    assert run(["init"], env).returncode == 0
    created = run(["agreement", "create", "--title", "Børn og unge i mistrivsel",
                   "--region", "syddanmark", "--kind", "lokal_aftale",
                   "--cluster", "Sundhedsklynge Lillebælt", "--kle", "29.30.08-P27-4-26",
                   "--case-handler", "Ane Holm", "--json"], env)
    agreement = json.loads(created.stdout)["id"]
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        assert run(["agreement", "advance", str(agreement), trigger], env).returncode == 0
    decided = run(["approval", "record", str(agreement), "Kolding", "godkendt",
                   "--meeting-date", "2026-05-20"], env)
    assert decided.returncode == 0, decided.stderr
    return env, agreement


def test_deadline_rule_and_past_parties_in_show_and_status(databases: Databases) -> None:
    env, agreement = _round_started(databases)
    shown = run(["agreement", "show", str(agreement)], env).stdout
    # 30 business days after 4 May: Kristi himmelfart, 2. pinsedag and Grundlovsdag closed;
    # the regionsråd has 45
    assert "frist 18.06.2026" in shown and "frist 09.07.2026" in shown
    assert f"Fristregel: {RULE}" in shown and "OVER FRISTEN" not in shown
    assert "Fristregel: 45 hverdage fra rundens start" in shown

    late = dict(env, AFTALEFLOW_TODAY="2026-06-19")
    shown_late = run(["agreement", "show", str(agreement)], late).stdout
    lines = shown_late.splitlines()
    vejle = next(line for line in lines if "Vejle" in line)
    kolding = next(line for line in lines if "Kolding" in line)
    region = next(line for line in lines if "Regionsråd" in line)
    assert "OVER FRISTEN" in vejle
    assert "OVER FRISTEN" not in kolding and "OVER FRISTEN" not in region

    text = run(["status"], late).stdout
    assert "frist 18.06.2026: 5 part(er) mangler" in text
    assert "over fristen: " in text and f"fristregel: {RULE}" in text

    data = json.loads(run(["status", "--json"], late).stdout)["agreements"][0]
    by_body = {p["body"]: p for p in data["approvals"]}
    vejle_json = next(p for name, p in by_body.items() if "Vejle" in name)
    kolding_json = next(p for name, p in by_body.items() if "Kolding" in name)
    assert vejle_json["deadline"] == "2026-06-18" and vejle_json["past_deadline"] is True
    assert vejle_json["deadline_rule"].startswith(RULE)
    assert kolding_json["past_deadline"] is False
