"""The status matrix answers with an ETag; an unchanged matrix is 304, a changed one in full."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World, auth


def _herning(matrix: dict, agreement_id: int) -> dict:  # type: ignore[type-arg]
    [agreement] = [a for a in matrix["agreements"] if a["id"] == agreement_id]
    [cell] = [p for p in agreement["approvals"] if p["body_key"] == "kb-657"]
    return cell


def test_an_unchanged_matrix_is_304_and_the_next_request_after_a_decision_gets_the_new_cell(
        client: TestClient, world: World) -> None:
    h = auth(world.tokens["sagsbehandler"])
    first = client.get("/status?region=midtjylland", headers=h)
    assert first.status_code == 200 and first.headers["etag"].startswith('"')
    assert _herning(first.json(), world.midt)["state"] != "sat_paa_dagsorden"
    tag = first.headers["etag"]

    again = client.get("/status?region=midtjylland", headers=h | {"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag

    decided = client.post(f"/agreements/{world.midt}/approvals/657", headers=h,
                          json={"decision": "dagsorden", "meeting_date": "2026-11-17"})
    assert decided.status_code == 200, decided.text

    after = client.get("/status?region=midtjylland", headers=h | {"If-None-Match": tag})
    assert after.status_code == 200
    assert after.headers["etag"] != tag
    assert _herning(after.json(), world.midt)["state"] == "sat_paa_dagsorden"


def test_another_callers_tag_or_a_tag_list_is_matched_only_by_identical_bytes(
        client: TestClient, world: World) -> None:
    manager = client.get("/status", headers=auth(world.tokens["leder"]))
    party = client.get("/status", headers=auth(world.tokens["part"]))  # sees less
    assert manager.headers["etag"] != party.headers["etag"]
    listed = client.get("/status", headers=auth(world.tokens["part"]) | {
        "If-None-Match": f'"nope", W/{party.headers["etag"]}'})
    assert listed.status_code == 304
    foreign = client.get("/status", headers=auth(world.tokens["part"]) | {
        "If-None-Match": manager.headers["etag"]})
    assert foreign.status_code == 200 and foreign.json() == party.json()
