"""Exports of the status matrix and the agreement list: CSV, XLSX (openpyxl) and JSON.

The matrix is one row per agreement and one column per party of its current round (parties of
all exported agreements, in a stable order); a cell is `cells.cell_of`'s text (state and
date, deadline, certainty mark with its source), empty when the body is not a party.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aftaleflow.services.agreements.cases import list_agreements
from aftaleflow.services.reading.cells import cell_of
from aftaleflow.services.reading.matrix import approval_matrix
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementLike, AgreementView, to_jsonable

Format = Literal["csv", "xlsx", "json"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "json")
AGREEMENT_COLUMNS = ("Nr.", "Titel", "Type", "Region", "Tilstand", "Runde", "Godkendt",
                     "Parter", "Sagsnr.", "Sagsbehandler")


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str | int | None]]  # None: an empty cell


MATRIX_COLUMNS = ("Nr.", "Samarbejdsaftale", "Region", "Tilstand", "Godkendt")


def matrix_table(agreements: Sequence[AgreementLike]) -> Table:
    """The approval matrix for a spreadsheet: an agreement per row, a party per column (the
    parties of every agreement exported, in the order first met), each cell `cell_of`'s text;
    the cell of a body that is not a party to that agreement is empty. The CLI's and the
    API's exports and the dashboard's CSV/XLSX download are this table."""
    parties: dict[str, str] = {}
    for view in agreements:
        for approval in view.approvals:
            parties.setdefault(approval.body_key, approval.body)
    rows: list[list[str | int | None]] = []
    for v in agreements:
        by_key = {a.body_key: a for a in v.approvals}
        rows.append([v.id, v.title, v.region, v.state_label,
                     v.progress if v.approvals_total else None,
                     *(cell_of(by_key.get(key), v.state).text or None for key in parties)])
    return Table("Godkendelser", [*MATRIX_COLUMNS, *parties.values()], rows)


def agreements_table(agreements: list[AgreementView]) -> Table:
    rows: list[list[str | int | None]] = [
        [v.id, v.title, v.kind_label, v.region, v.state_label, v.round_no,
         v.approvals_approved, v.approvals_total, v.kle_number, v.case_handler]
        for v in agreements]
    return Table("Samarbejdsaftaler", list(AGREEMENT_COLUMNS), rows)


# OWASP "CSV injection": a spreadsheet evaluates a cell that begins with one of these.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str | int | None) -> str | int | None:
    """A text cell a spreadsheet would evaluate gets a leading apostrophe (the OWASP rule)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # Danish Excel expects semicolons
    writer.writerow([neutralise(c) for c in table.header])
    writer.writerows([neutralise(c) for c in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads æøå correctly


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.title[:31]
    sheet.append(table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
    _text_cells(sheet)
    sheet.freeze_panes = "C2" if table.title == "Godkendelser" else "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cells(sheet: Any) -> None:
    """Every text cell is stored as text with Excel's quote prefix, so "=..." is no formula
    (openpyxl would otherwise write a text beginning with "=" as a live formula)."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.quotePrefix = True


def export(ctx: ServiceContext, what: Literal["matrix", "agreements"], fmt: Format, *,
           region: str | None = None) -> bytes:
    """The export as bytes, for the CLI (`aftaleflow export`) and the API."""
    if what == "matrix" and fmt != "json":  # the matrix result, not 1,000 agreement views
        table = matrix_table(approval_matrix(ctx, region))
        return to_csv(table) if fmt == "csv" else to_xlsx(table)
    agreements = list_agreements(ctx, region=region)
    if fmt == "json":
        data = {"eksporteret": ctx.now().date().isoformat(),
                "agreements": to_jsonable(agreements)}
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    table = matrix_table(agreements) if what == "matrix" else agreements_table(agreements)
    return to_csv(table) if fmt == "csv" else to_xlsx(table)
