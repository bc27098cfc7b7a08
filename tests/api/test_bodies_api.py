"""Committees over HTTP: an administrator adds and ends them; each change is an audit event."""

from __future__ import annotations

from sqlmodel import Session, select

from aftaleflow.domain.model import AuditEvent
from tests.api.conftest import auth

FOU = {"key": "fou-657", "name": "Forebyggelsesudvalget", "short_name": "FOU",
       "kind": "fagudvalg", "valid_from": "2018-01-01", "municipality": "Herning"}


def test_admin_adds_a_committee_that_a_meeting_can_use_at_once(client, world, engine) -> None:
    admin = auth(world.tokens["admin"])
    added = client.post("/bodies", json=FOU, headers=admin)
    assert added.status_code == 201, added.text
    assert added.json()["short_name"] == "FOU"
    listed = client.get("/bodies?kind=fagudvalg", headers=admin).json()
    assert "Forebyggelsesudvalget" in [b["name"] for b in listed]
    meeting = client.post("/meetings", json={"body": "fou-657", "starts_at": "2099-08-30",
                                             "place": "B1.01"},
                          headers=auth(world.tokens["udvalgssekretaer"]))
    assert meeting.status_code == 201, meeting.text
    assert meeting.json()["has_time"] is False
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.trigger == "opret_organ")).all()
    assert any(e.entity == "body" and "Forebyggelsesudvalget (FOU)" in (e.comment or "")
               for e in events)


def test_an_ended_committee_is_gone_after_its_last_day_and_kept_before(client, world) -> None:
    admin = auth(world.tokens["admin"])
    assert client.post("/bodies", json=FOU, headers=admin).status_code == 201
    ended = client.post("/bodies/fou-657/end", json={"valid_to": "2025-12-31"}, headers=admin)
    assert ended.status_code == 200, ended.text
    names = {b["key"] for b in client.get("/bodies?date=2025-12-31", headers=admin).json()}
    assert "fou-657" in names
    later = {b["key"] for b in client.get("/bodies?date=2026-01-01", headers=admin).json()}
    assert "fou-657" not in later


def test_a_second_body_with_the_same_key_is_a_conflict_in_danish(client, world) -> None:
    admin = auth(world.tokens["admin"])
    assert client.post("/bodies", json=FOU, headers=admin).status_code == 201
    again = client.post("/bodies", json=FOU, headers=admin)
    assert again.status_code == 409
    assert "findes allerede" in again.json()["detail"]


def test_master_data_bodies_cannot_be_ended_here(client, world) -> None:
    refused = client.post("/bodies/kb-657/end", json={"valid_to": "2025-12-31"},
                          headers=auth(world.tokens["admin"]))
    assert refused.status_code == 422
    assert "stamdatafilerne" in refused.json()["detail"]
