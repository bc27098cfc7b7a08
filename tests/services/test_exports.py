"""Exports open in the tools managers use, with the same cells as the status matrix."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import list_agreements
from aftaleflow.services.reading.exports import export, matrix_table
from tests.factories import agreement_in_state


def _world(ctx):
    first = agreement_in_state(ctx, "i_godkendelse")
    record_decision(ctx, first.id, Decision(party="Kolding", decision="godkendt"))
    agreement_in_state(ctx, "genforhandling")


def test_xlsx_has_the_same_cells_as_the_status_matrix(ctx) -> None:
    _world(ctx)
    expected = matrix_table(list_agreements(ctx))
    book = load_workbook(io.BytesIO(export(ctx, "matrix", "xlsx")))
    sheet = book.active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == expected.header
    assert rows[1:] == expected.rows
    assert any(str(c).startswith("Godkendt") for c in rows[1])
    assert "Afvist" in " ".join(str(c) for c in rows[2])


def test_csv_opens_with_danish_letters_and_semicolons(ctx) -> None:
    _world(ctx)
    text = export(ctx, "agreements", "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Nr.", "Titel"]
    assert rows[1][1] == "Børn og unge i mistrivsel"


def test_json_export_lists_every_agreement_with_its_parties(ctx) -> None:
    _world(ctx)
    data = json.loads(export(ctx, "matrix", "json"))
    assert len(data["agreements"]) == 2
    assert len(data["agreements"][0]["approvals"]) == 7
