"""The Sjælland merge and the refusals after it over HTTP (issue 20, rules 4 and 9)."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.structure.carryover import carry_over
from tests.api.conftest import auth
from tests.conftest import dump
from tests.factories import Spec, new_agreement
from tests.services.test_carry_over_history import SJAELLAND_REGIONAL, sjaelland_merge


def test_agreement_shows_each_merged_cluster_and_refuses_the_ended_one(client, ctx, clock,
                                                                       world) -> None:
    view = sjaelland_merge(ctx, clock)
    admin = auth(world.tokens["admin"])
    body = client.get(f"/agreements/{view.id}", headers=admin).json()
    shown = {i["cluster"]: (i["state"], i["predecessors"]) for i in body["implementations"]}
    assert shown["Sundhedsråd Østsjælland og Øerne"] == ("i_gang", [
        "Sundhedsklynge SUH (Køge/Roskilde): implementeret 10.12.2026",
        "Sundhedsklynge Nykøbing F: ikke startet"])
    assert shown["Sundhedsråd Midt- og Vestsjælland"][0] == "i_gang"

    history = client.get(f"/agreements/{view.id}/history", headers=admin).json()
    assert any("Sammenlægning i Sundhedsråd Østsjælland og Øerne" in (e["comment"] or "")
               and e["from_state"] is None and e["to_state"] == "i_gang" for e in history)

    before = dump(ctx.engine)
    refused = client.post(f"/agreements/{view.id}/implementations/"
                          "sundhedsklynge-suh-koege-roskilde",
                          json={"status": "implementeret"}, headers=admin)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "videreført i Sundhedsråd Østsjælland og Øerne" in refused.json()["detail"]
    assert "kør overførslen" not in refused.json()["detail"]
    assert dump(ctx.engine) == before


def test_decision_for_a_carried_over_body_names_its_successor(client, ctx, clock,
                                                              world) -> None:
    clock.set(date(2026, 12, 15))
    case = new_agreement(ctx, SJAELLAND_REGIONAL)
    case = advance_agreement(ctx, case.id, "send_til_ssu")
    case = advance_agreement(ctx, case.id, "indstil_til_godkendelse")
    clock.set(date(2027, 1, 12))
    carry_over(ctx, date(2027, 1, 1))
    refused = client.post(f"/agreements/{case.id}/approvals/rr-sjaelland",
                          json={"decision": "godkendt", "decided_on": "2027-01-10"},
                          headers=auth(world.tokens["admin"]))
    assert refused.status_code == 422
    assert "Godkendelsen i runde 1 er overført til Regionsrådet, Region Østdanmark" in (
        refused.json()["detail"])


def test_refused_transition_does_not_list_itself_among_the_allowed(client, ctx, clock,
                                                                   world) -> None:
    clock.set(date(2026, 12, 15))
    case = new_agreement(ctx, Spec(kind="regional_samarbejdsaftale", region="hovedstaden",
                                   cluster=None))
    case = advance_agreement(ctx, case.id, "send_til_ssu")
    clock.set(date(2027, 2, 1))
    admin = auth(world.tokens["admin"])
    refused = client.post(f"/agreements/{case.id}/transitions",
                          json={"trigger": "indstil_til_godkendelse"},
                          headers={**admin, "If-Match": f'"{case.version}"'})
    assert refused.status_code == 409
    problem = refused.json()
    assert "indstil_til_godkendelse" not in problem["allowed_triggers"]
    assert "indstil_til_godkendelse" not in problem["detail"].split("Tilladte handlinger:")[1]
    assert problem["allowed_triggers"] == ["tilbage_til_udarbejdelse", "tilbagetraek"]
