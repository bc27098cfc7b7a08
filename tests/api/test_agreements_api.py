"""Agreements over HTTP: parts see their own, versions guard changes, errors are problems."""

from __future__ import annotations

import logging

from tests.api.conftest import auth
from tests.conftest import dump


def test_part_for_herning_records_herning_and_is_refused_holstebro(client, world) -> None:
    herning = auth(world.tokens["part"])
    ok = client.post(f"/agreements/{world.midt}/approvals/Herning",
                     json={"decision": "godkendt", "meeting_date": "2026-06-16"}, headers=herning)
    assert ok.status_code == 200, ok.text
    assert next(a for a in ok.json()["approvals"] if "Herning" in a["body"])["state"] == "godkendt"
    refused = client.post(f"/agreements/{world.midt}/approvals/661",
                          json={"decision": "godkendt"}, headers=herning)
    assert refused.status_code == 403
    assert "eget organ" in refused.json()["detail"]


def test_part_cannot_see_agreements_of_another_region(client, world) -> None:
    herning = auth(world.tokens["part"])
    assert client.get(f"/agreements/{world.syd}", headers=herning).status_code == 404
    listed = client.get("/agreements", headers=herning).json()
    assert [a["id"] for a in listed["items"]] == [world.midt]
    status = client.get("/status", headers=herning).json()
    assert [a["id"] for a in status["agreements"]] == [world.midt]


def test_transition_needs_if_match_and_refuses_a_stale_one(client, world) -> None:
    h = auth(world.tokens["sagsbehandler"])
    current = client.get(f"/agreements/{world.midt}", headers=h)
    etag = current.headers["ETag"]
    body = {"trigger": "tilbagetraek", "comment": "Erstattes"}
    missing = client.post(f"/agreements/{world.midt}/transitions", json=body, headers=h)
    assert missing.status_code == 428
    stale = client.post(f"/agreements/{world.midt}/transitions", json=body,
                        headers={**h, "If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json()["current_state"] == "i_godkendelse"
    done = client.post(f"/agreements/{world.midt}/transitions", json=body,
                       headers={**h, "If-Match": etag})
    assert done.status_code == 200 and done.json()["state"] == "tilbagetrukket"
    assert done.headers["ETag"] != etag


def test_wrong_trigger_lists_the_allowed_ones(client, world) -> None:
    h = auth(world.tokens["sagsbehandler"])
    etag = client.get(f"/agreements/{world.midt}", headers=h).headers["ETag"]
    r = client.post(f"/agreements/{world.midt}/transitions", json={"trigger": "send_til_ssu"},
                    headers={**h, "If-Match": etag})
    assert r.status_code == 409
    problem = r.json()
    assert problem["allowed_triggers"] == ["tilbagetraek"]
    assert "I godkendelse" in problem["detail"]
    assert r.headers["content-type"] == "application/problem+json"


def test_actions_show_only_what_the_role_may_do(client, world) -> None:
    case = client.get(f"/agreements/{world.syd}/actions",
                      headers=auth(world.tokens["sagsbehandler"])).json()
    assert {a["trigger"] for a in case} == {"start_implementering", "tilbagetraek",
                                            "marker_udloebet", "marker_erstattet"}
    manager = client.get(f"/agreements/{world.syd}/actions",
                         headers=auth(world.tokens["leder"])).json()
    assert manager == []


def test_list_filters_and_paginates(client, world) -> None:
    h = auth(world.tokens["leder"])
    page = client.get("/agreements?limit=1&offset=1", headers=h).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (2, 1, 1, 1)
    assert client.get("/agreements?region=midtjylland", headers=h).json()["total"] == 1
    assert client.get("/agreements?cluster=horsensklyngen", headers=h).json()["total"] == 1
    assert client.get("/agreements?state=godkendt", headers=h).json()["total"] == 1
    assert client.get("/agreements?text=udgående", headers=h).json()["total"] == 1
    assert client.get("/agreements?overdue=true", headers=h).json()["total"] == 0


def test_masterdata_by_date_shows_the_2027_structure(client, world) -> None:
    h = auth(world.tokens["leder"])
    before = client.get("/clusters?date=2026-12-31", headers=h).json()
    after = client.get("/clusters?date=2027-01-01", headers=h).json()
    assert len(before) == 22 and {c["kind"] for c in before} == {"sundhedsklynge"}
    assert len(after) == 17 and {c["kind"] for c in after} == {"sundhedsraad"}
    regions = client.get("/regions?date=2027-01-01", headers=h).json()
    assert len(regions) == 4
    bad = client.get("/regions?date=2026-02-30", headers=h)
    assert bad.status_code == 422 and "date" in bad.json()["detail"]


def test_tokens_are_shown_once_and_never_logged(client, world, caplog) -> None:
    h = auth(world.tokens["admin"])
    caplog.set_level(logging.DEBUG)
    created = client.post("/users", json={"name": "Kim Clerk", "role": "udvalgssekretaer"},
                          headers=h)
    token = created.json()["token"]
    assert token.startswith("af_") and len(token) > 40
    listed = client.get("/users", headers=h).text
    assert token not in listed and token[:12] not in listed
    assert client.get("/meetings", headers=auth(token)).status_code == 200
    assert token not in caplog.text


def test_problem_for_unknown_route_and_id(client, world) -> None:
    h = auth(world.tokens["leder"])
    missing = client.get("/agreements/999999", headers=h)
    assert missing.status_code == 404 and "findes ikke" in missing.json()["detail"]
    nowhere = client.get("/nowhere", headers=h)
    assert nowhere.status_code == 404
    assert nowhere.headers["content-type"] == "application/problem+json"


def test_openapi_documents_every_route_with_a_summary(client) -> None:
    schema = client.get("/openapi.json").json()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method} {path}"
    assert client.get("/docs").status_code == 200


def test_hostile_input_gets_4xx_and_changes_nothing(client, world, engine) -> None:
    h = auth(world.tokens["sagsbehandler"])
    valid = {"title": "Børn og unge", "kind": "regional_samarbejdsaftale",
             "origin": "ssu_bestilling", "region": "midtjylland",
             "kle_number": "29.30.08-P27-1-21", "case_handler": "Ane Holm"}
    before = dump(engine)
    cases = [
        {**valid, "title": "x" * 1_000_000},
        {**valid, "title": "Titel\x00\x1b[31m"},
        {**valid, "kle_number": "29.30.08-27-1-21"},
        {**valid, "approval_deadline": "2026-02-30"},
        {**valid, "kind": "national_aftale"},
        {**valid, "region": "Region Skåne"},
        {**valid, "unexpected": True},
    ]
    for body in cases:
        r = client.post("/agreements", json=body, headers=h)
        assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
        assert r.json()["detail"]
    bomb = "[" * 100_000 + "]" * 100_000
    r = client.post("/agreements", content=bomb,
                    headers={**h, "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500
    huge = client.post("/agreements", content=b"{" + b" " * (5 * 1024 * 1024) + b"}",
                       headers={**h, "Content-Type": "application/json"})
    assert huge.status_code == 413
    assert dump(engine) == before


def test_nul_bytes_in_queries_and_bodies_get_4xx(client, world, engine) -> None:
    h = auth(world.tokens["sagsbehandler"])
    before = dump(engine)
    assert client.get("/bodies", params={"kind": "\x00"}, headers=h).status_code < 500
    r = client.post("/agreements", headers=h, json={
        "title": "Børn", "kind": "regional_samarbejdsaftale", "origin": "ssu_bestilling",
        "region": "midt\x00jylland", "kle_number": "29.30.08-P27-1-21", "case_handler": "A"})
    assert 400 <= r.status_code < 500
    assert dump(engine) == before
