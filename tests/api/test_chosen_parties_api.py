"""POST /agreements accepts the parties a case handler names for the kinds of 2027."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.access.users import create_user
from tests.api.conftest import auth


def body(parties: list[str]) -> dict[str, object]:
    return {"title": "Regional medfinansiering af sundhedshuse", "kind": "medfinansieringsaftale",
            "origin": "droeftelse_i_sundhedsraad", "region": "syddanmark",
            "kle_number": "29.30.08-P27-3-27", "case_handler": "Ane Holm", "parties": parties}


def case_handler_in_2027(ctx, clock) -> dict[str, str]:
    """A token issued in February 2027 (the seeded ones have expired by then)."""
    clock.set(date(2027, 2, 1))
    return auth(create_user(ctx, "Sagsbehandler 2027", "sagsbehandler")[1])


def test_named_parties_are_accepted_and_shown(client, ctx, clock) -> None:
    headers = case_handler_in_2027(ctx, clock)
    created = client.post("/agreements", json=body(["Vejle", "607"]), headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["chosen_parties"] == ["Fredericia", "Vejle"]


def test_a_party_outside_the_region_is_a_problem(client, ctx, clock) -> None:
    response = client.post("/agreements", json=body(["Herning"]),
                           headers=case_handler_in_2027(ctx, clock))
    assert response.status_code == 422
    assert "Herning Kommune hører ikke til Region Syddanmark 2027-02-01" in \
        response.json()["detail"]
