"""Search and exports over HTTP."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.api.conftest import auth


def test_search_finds_agreements_by_inflected_words(client, world) -> None:
    h = auth(world.tokens["leder"])
    hits = client.get("/search", params={"q": "børnene"}, headers=h).json()
    assert [hit["title"] for hit in hits if hit["kind"] == "agreement"] == [
        "Børn og unge i mistrivsel"]


def test_xlsx_export_opens_with_one_row_per_agreement(client, world) -> None:
    r = client.get("/exports/matrix", params={"format": "xlsx"},
                   headers=auth(world.tokens["leder"]))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    # one matrix table for every export (issue 20, rule 2): the dashboard's columns
    assert rows[0][:5] == ("Nr.", "Samarbejdsaftale", "Region", "Tilstand", "Godkendt")
    assert len(rows) == 3
