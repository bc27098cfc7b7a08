"""GET /structure/origins and POST /agreements across the SSU's last day (issue 20, rule 5)."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.access.users import create_user
from tests.api.conftest import auth
from tests.conftest import dump

NEW = {"title": "Udgående teams", "kind": "regional_samarbejdsaftale", "region": "syddanmark",
       "kle_number": "29.30.08-P27-1-27", "case_handler": "Ane Holm"}


def test_origins_of_a_day_and_an_agreement_created_in_2027(client, ctx, clock, engine) -> None:
    clock.set(date(2027, 1, 4))
    headers = auth(create_user(ctx, "Sagsbehandler 2027", "sagsbehandler")[1])
    january = client.get("/structure/origins", headers=headers).json()
    assert [(o["key"], o["default"]) for o in january] == [
        ("droeftelse_i_sundhedsraad", True), ("proevehandling_i_sundhedsraad", False)]
    december = client.get("/structure/origins?date=2026-12-15", headers=headers).json()
    assert [o["label"] for o in december] == ["Bestilling fra SSU", "Prøvehandling i klynge"]

    before = dump(engine)
    refused = client.post("/agreements", json={**NEW, "origin": "ssu_bestilling"},
                          headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "gælder kun til 2026-12-31" in refused.json()["detail"]
    assert dump(engine) == before

    created = client.post("/agreements", json=NEW, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["origin_label"] == "Drøftelse i sundhedsrådet"
