"""The API's search finds either Danish spelling: Aarhus and Århus give the same hits."""

from __future__ import annotations

from tests.api.conftest import auth


def test_api_search_aarhus_and_aarhus_with_aa_letter_give_the_same_agreements(
        client, world) -> None:
    h = auth(world.tokens["leder"])
    created = client.post("/agreements", headers=auth(world.tokens["sagsbehandler"]), json={
        "title": "Akutfunktion i Århus", "kind": "regional_samarbejdsaftale",
        "origin": "ssu_bestilling", "region": "midtjylland",
        "kle_number": "29.30.08-P27-1-26", "case_handler": "Ane Holm"})
    assert created.status_code == 201, created.text
    answers = [client.get("/search", params={"q": q}, headers=h).json()
               for q in ("Aarhus", "Århus", "aarhus")]
    assert answers[0] == answers[1] == answers[2]
    assert [hit["title"] for hit in answers[0]] == ["Akutfunktion i Århus"]
