"""The approval matrix built for itself: one row per agreement, one tuple per party's cell.

Three plain SQL queries (agreements with region and origin cluster; every current-round cell
in agreement order; the bodies once), no ORM objects and no type processing per cell: dates
come as the driver gives them and are parsed once, a cell's body is a dictionary lookup, and
each agreement's 23 cells are put in party order in Python (sorting 23,000 joined rows in SQL
cost more than the rest). `status`, `GET /status`, the dashboard and the exports all read
this result (issue 15: the matrix ≤ 2× the raw query).
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Session

from aftaleflow.domain.access import Role
from aftaleflow.domain.machines import AGREEMENT, APPROVAL
from aftaleflow.domain.model import KIND_LABELS, Agreement
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements.cases import _find_region, concerns
from aftaleflow.services.agreements.part_view import seen_by, viewer_of
from aftaleflow.services.agreements.read_model import deadline_rule
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import ApprovalCell, MatrixRow

_AGREEMENTS = (
    "SELECT a.id, a.title, a.kind, c.name, a.kle_number, a.case_handler, r.key, r.name, "
    "a.state, a.round_no, a.text_version, "
    # the fixed deadline counts for the round it was given for only
    "CASE WHEN a.approval_deadline_round = a.round_no THEN a.approval_deadline END "
    "FROM agreement a JOIN region r ON r.id = a.region_id "
    "LEFT JOIN cluster c ON c.id = a.origin_cluster_id {where} ORDER BY a.id")
_CELLS = (
    "SELECT p.agreement_id, p.id, p.body_id, p.state, p.round_no, p.text_version, "
    "p.deadline, p.meeting_date, p.decided_on, p.protocol_ref, p.comment, p.version, "
    "p.certainty, p.certainty_source "
    "FROM approval p JOIN agreement a ON a.id = p.agreement_id AND p.round_no = a.round_no "
    "{where} ORDER BY p.agreement_id")
_BODIES = text("SELECT id, key, name, kind FROM body")
_APPROVAL_LABELS = {s.name: s.label for s in APPROVAL.states}
_AGREEMENT_LABELS = {s.name: s.label for s in AGREEMENT.states}
_OPEN = frozenset(s.name for s in APPROVAL.states if not s.final)


def approval_matrix(ctx: ServiceContext, region: str | None = None, *,
                    only: Collection[int] | None = None, cells: bool = True
                    ) -> list[MatrixRow]:
    """Every agreement the principal may see (optionally one region's, or only the given
    ids) with its cells as the principal may read them (`part_view`); `cells=False` gives the
    agreements alone (for filtering and paging before the cells of one page are read)."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        return matrix_rows(uow, region, only=only, cells=cells)


def matrix_rows(uow: UnitOfWork, region: str | None = None, *,
                only: Collection[int] | None = None, cells: bool = True) -> list[MatrixRow]:
    """`approval_matrix` inside the caller's transaction (the caller authorizes)."""
    ctx = uow.ctx
    session, today = uow.session, uow.now.date()
    where, params = _where(session, region, only)
    agreements = list(session.execute(_sql(_AGREEMENTS, where), params).all())
    if ctx.principal.role == Role.PARTY:
        agreements = _concerning(session, ctx, agreements)
    if not (cells and agreements):
        return [_row(a, []) for a in agreements]
    bodies = _bodies(session)
    with _collector_paused():
        found = _cells(session.execute(_sql(_CELLS, where), params).all(), bodies,
                       {a[0]: a for a in agreements}, today,
                       as_text=ctx.engine.dialect.name == "sqlite")
        viewer = viewer_of(session, ctx.principal)
        return [seen_by(viewer, _row(a, found.get(a[0], []))) for a in agreements]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Build the 23,000 cells without Python's cyclic garbage collector running.

    Every one of them survives, so the collector only walks them, and on the way a full
    collection over the whole process heap (measured: half the time of the matrix). Tuples
    of plain values form no cycles; the collector runs again right after. Another thread's
    pause is respected: only who found it enabled enables it again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _where(session: Session, region: str | None, only: Collection[int] | None
           ) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if region:  # control characters (a NUL breaks PostgreSQL) are refused, not looked up
        ref = clean_text(region, "region", max_len=60, single_line=True)
        clauses.append("a.region_id = :region")
        params["region"] = _find_region(session, ref).id
    if only is not None:
        clauses.append("a.id IN :only")
        params["only"] = list(only) or [0]
    return clauses, params


def _sql(template: str, where: list[str]) -> TextClause:
    clause = text(template.format(where="WHERE " + " AND ".join(where) if where else ""))
    if any(":only" in w for w in where):
        clause = clause.bindparams(bindparam("only", expanding=True))
    return clause


def _concerning(session: Session, ctx: ServiceContext, rows: list[Any]) -> list[Any]:
    """A `part` sees the agreements that concern its body (few; the ORM check is fine)."""
    found = [(r, session.get(Agreement, r[0])) for r in rows]
    return [r for r, a in found if a is not None and concerns(session, ctx.principal, a)]


class _Bodies(NamedTuple):
    by_id: dict[int, tuple[str, str, str]]  # key, name, kind
    place: dict[str, int]  # body key → place in the party order


def _bodies(session: Session) -> _Bodies:
    """Every body with its place in the party order: the regionsråd first, then by name in
    code-point order (as AgreementView sorts)."""
    rows = sorted(session.execute(_BODIES).all(), key=lambda r: (r[3] != "regionsraad", r[2]))
    return _Bodies({id_: (key, name, kind) for id_, key, name, kind in rows},
                   {row[1]: place for place, row in enumerate(rows)})


def _cells(rows: Sequence[Any], bodies: _Bodies, agreements: dict[int, Any],
           today: date, *, as_text: bool) -> dict[int, list[ApprovalCell]]:
    """The cells per agreement in party order; SQLite gives dates as ISO text (parsed here,
    inline: 69,000 calls of a helper would cost as much as the query)."""
    out: dict[int, list[ApprovalCell]] = {}
    iso, labels, new, by_id = date.fromisoformat, _APPROVAL_LABELS, tuple.__new__, bodies.by_id
    rules: dict[tuple[str, str, bool], str] = {}
    current: int | None = None
    bucket: list[ApprovalCell] | None = None
    a_kind, fixed, open_round = "", False, False
    for (agreement_id, id_, body_id, state, round_no, text_version, deadline, meeting_date,
         decided_on, protocol_ref, comment, version, certainty, certainty_source) in rows:
        if agreement_id != current:  # agreement-level facts once per agreement, not per cell
            current, agreement = agreement_id, agreements.get(agreement_id)
            bucket = None if agreement is None else out.setdefault(agreement_id, [])
            if agreement is not None:
                a_kind, fixed = agreement[2], agreement[11] is not None
                open_round = agreement[8] == "i_godkendelse"
        if bucket is None:
            continue
        key, name, kind = by_id[body_id]
        rule = ""  # shown for a running deadline only (as agreements._rule_if_pending)
        if open_round and deadline is not None and state in _OPEN:
            rule = rules.get((a_kind, kind, fixed)) or rules.setdefault(
                (a_kind, kind, fixed), deadline_rule(a_kind, kind, fixed))
        if as_text:
            deadline = iso(deadline) if deadline else None
            meeting_date = iso(meeting_date) if meeting_date else None
            decided_on = iso(decided_on) if decided_on else None
        past = open_round and deadline is not None and deadline < today and state in _OPEN
        # tuple.__new__ with every field: the NamedTuple's own __new__ is a Python call
        bucket.append(new(ApprovalCell, (
            id_, key, name, kind, state, labels[state], round_no, text_version, deadline,
            meeting_date, decided_on, protocol_ref, comment, version or 0, certainty,
            certainty_source, rule, past)))
    place = bodies.place.__getitem__
    for found in out.values():
        found.sort(key=lambda cell: place(cell[1]))
    return out


def _row(a: Any, cells: list[ApprovalCell]) -> MatrixRow:
    (id_, title, kind, cluster, kle, handler, region_key, region, state, round_no,
     text_version, _fixed) = a
    return MatrixRow(id_, title, kind, KIND_LABELS.get(kind, kind), cluster, kle, handler,
                     region_key, region, state, _AGREEMENT_LABELS[state], round_no,
                     text_version, cells, len(cells),
                     sum(1 for c in cells if c.state == "godkendt"))
