"""A late agenda item over the API: the error names the API's fields; a held meeting's item can
be recorded as history, a coming meeting's cannot."""

from __future__ import annotations

from tests.api.conftest import auth


def _meeting(client, token: str, day: str) -> int:
    made = client.post("/meetings", headers=auth(token),
                       json={"body": "kb-661", "starts_at": day, "place": "Rådhuset"})
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_a_late_item_names_the_api_fields_and_history_records_it(client, world) -> None:
    token = world.tokens["udvalgssekretaer"]
    meeting = _meeting(client, token, "2021-08-30")
    late = client.post(f"/meetings/{meeting}/items", headers=auth(token),
                       json={"title": "Sundhedsklynger"})
    assert late.status_code == 422
    problem = late.json()
    assert {e["felt"] for e in problem["errors"]} == {"late_reason", "history"}
    assert "--" not in problem["detail"]
    kept = client.post(f"/meetings/{meeting}/items", headers=auth(token),
                       json={"title": "Sundhedsklynger", "history": True})
    assert kept.status_code == 201, kept.text


def test_history_is_refused_for_a_meeting_not_yet_held(client, world) -> None:
    token = world.tokens["udvalgssekretaer"]
    meeting = _meeting(client, token, "2099-01-05")
    refused = client.post(f"/meetings/{meeting}/items", headers=auth(token),
                          json={"title": "Meddelelser", "history": True})
    assert refused.status_code == 422
    assert "ikke holdt endnu" in refused.json()["detail"]
