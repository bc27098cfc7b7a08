"""POST /agreements accepts the parties a case handler names for the kinds of 2027."""

from __future__ import annotations

from datetime import date

from tests.api.conftest import auth


def body(parties: list[str]) -> dict[str, object]:
    return {"title": "Regional medfinansiering af sundhedshuse", "kind": "medfinansieringsaftale",
            "origin": "ssu_bestilling", "region": "syddanmark",
            "kle_number": "29.30.08-P27-3-27", "case_handler": "Ane Holm", "parties": parties}


def test_named_parties_are_accepted_and_shown(client, world, clock) -> None:
    clock.set(date(2027, 2, 1))
    headers = auth(world.tokens["sagsbehandler"])
    created = client.post("/agreements", json=body(["Vejle", "607"]), headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["chosen_parties"] == ["Fredericia", "Vejle"]


def test_a_party_outside_the_region_is_a_problem(client, world, clock) -> None:
    clock.set(date(2027, 2, 1))
    response = client.post("/agreements", json=body(["Herning"]),
                           headers=auth(world.tokens["sagsbehandler"]))
    assert response.status_code == 422
    assert "Herning Kommune hører ikke til Region Syddanmark 2027-02-01" in \
        response.json()["detail"]
