"""The dashboard's matrix and lists for 1,000 agreements: filters, sorting and paging.

Filters mean what they mean elsewhere: `overdue` is `agreements.is_overdue` (a party past its
deadline in an open round), `mine` is "my council still has to decide" for a `part`, the case
handler matches part of the name, and a KLE number matches from its start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.machines import APPROVAL
from aftaleflow.services.agreements.cases import is_overdue
from aftaleflow.services.reading.dashboard import current_user, matrix_agreements
from aftaleflow.services.reading.matrix import approval_matrix
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementLike, MatrixRow

# a whole KLE number or its beginning: 29.30, 29.30.08, 29.30.08-P27-7-26
CASE_NUMBER = re.compile(r"^\d{2}\.\d{2}(\.\d{2})?(-[A-Z]\d{2}(-\d{1,6}(-\d{2})?)?)?$")
SORTS: dict[str, str] = {"nr": "Nummer", "titel": "Titel", "tilstand": "Tilstand",
                         "frist": "Næste frist", "godkendt": "Andel godkendt"}
PAGE_SIZES = (25, 50, 100, 250, 1000)
_OPEN = frozenset(s.name for s in APPROVAL.states if not s.final)


@dataclass(frozen=True)
class MatrixQuery:
    region: str | None = None
    cluster: str | None = None
    state: str | None = None
    overdue: bool = False
    mine: bool = False
    case_handler: str | None = None
    kle: str | None = None
    sort: str = "nr"
    descending: bool = False
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class MatrixPage:
    rows: list[MatrixRow]
    total: int  # agreements after the filters, on every page
    page: int
    pages: int
    per_page: int


def next_deadline(view: AgreementLike) -> date | None:
    """The earliest deadline of a party that has not decided yet."""
    days = [a.deadline for a in view.approvals if a.deadline and a.state in _OPEN]
    return min(days) if days and view.state == "i_godkendelse" else None


def _sort_key(sort: str) -> Callable[[MatrixRow], Any]:
    if sort == "titel":
        return lambda v: (v.title.casefold(), v.id)
    if sort == "tilstand":
        return lambda v: (v.state_label, v.id)
    if sort == "frist":
        return lambda v: (next_deadline(v) or date.max, v.id)
    if sort == "godkendt":
        return lambda v: (v.approvals_approved / (v.approvals_total or 1), v.id)
    return lambda v: v.id


def matrix_page(ctx: ServiceContext, query: MatrixQuery) -> MatrixPage:
    """One page of the filtered, sorted matrix; a page past the end shows the last one."""
    if query.per_page not in PAGE_SIZES or query.page < 1:
        raise ValidationFailed("Vælg en side fra 1 og en sidestørrelse på "
                               f"{', '.join(map(str, PAGE_SIZES))}.")
    # Filters and sorts that need no cell are applied to the agreements alone; then only the
    # page's cells are read (50 × 23, not 1,000 × 23).
    needs_cells = query.overdue or query.mine or query.sort in ("frist", "godkendt")
    views = filtered_matrix(ctx, query, cells=needs_cells)
    pages = max(1, -(-len(views) // query.per_page))
    page = min(query.page, pages)
    start = (page - 1) * query.per_page
    rows = views[start:start + query.per_page]
    if not needs_cells and rows:
        order = {r.id: n for n, r in enumerate(rows)}
        rows = sorted(approval_matrix(ctx, only=list(order)),
                      key=lambda r: order[r.id])
    return MatrixPage(rows, len(views), page, pages, query.per_page)


def filtered_matrix(ctx: ServiceContext, query: MatrixQuery, *, cells: bool = True
                    ) -> list[MatrixRow]:
    """Every agreement that passes the filters, sorted (the exports take all of them)."""
    if query.sort not in SORTS:
        raise ValidationFailed(f"Ukendt sortering '{query.sort[:20]}'. Mulige: "
                               f"{', '.join(SORTS)}.")
    views = matrix_agreements(ctx, region=query.region, cluster=query.cluster,
                              state=query.state, cells=cells)
    today = ctx.now().date()
    if query.overdue:
        views = [v for v in views if is_overdue(v, today)]
    if query.mine:
        own = current_user(ctx).body_key
        views = [v for v in views if v.state == "i_godkendelse" and any(
            a.body_key == own and a.state in _OPEN for a in v.approvals)]
    if query.case_handler:
        needle = query.case_handler.casefold()
        views = [v for v in views if needle in v.case_handler.casefold()]
    if query.kle:
        views = [v for v in views if v.kle_number.startswith(query.kle.strip())]
    views.sort(key=_sort_key(query.sort), reverse=query.descending)
    return views


def by_case_number(ctx: ServiceContext, text: str) -> list[MatrixRow]:
    """Agreements whose KLE number starts with `text`, when it looks like one (the full-text
    search splits a KLE number into words, and PostgreSQL's parser splits it otherwise)."""
    wanted = text.strip().upper()
    if not CASE_NUMBER.match(wanted):
        return []
    return filtered_matrix(ctx, MatrixQuery(kle=wanted))
