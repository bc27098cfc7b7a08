"""The approval matrix built for itself: one row per agreement, one tuple per party's cell.

Two plain SQL queries (agreements with region and origin cluster; every current-round cell with
its body, already in party order), no ORM objects and no type processing per cell: dates come
as the driver gives them and are parsed once. `status`, `GET /status`, the dashboard and the
exports all read this result (issue 15: the matrix ≤ 2× the raw query).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Session

from aftaleflow.domain.access import Role
from aftaleflow.domain.machines import AGREEMENT, APPROVAL
from aftaleflow.domain.model import KIND_LABELS, Agreement
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements import _find_region, concerns, deadline_rule
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import ApprovalCell, MatrixRow

_AGREEMENTS = (
    "SELECT a.id, a.title, a.kind, c.name, a.kle_number, a.case_handler, r.key, r.name, "
    "a.state, a.round_no, a.text_version, a.approval_deadline "
    "FROM agreement a JOIN region r ON r.id = a.region_id "
    "LEFT JOIN cluster c ON c.id = a.origin_cluster_id {where} ORDER BY a.id")
_CELLS = (
    "SELECT p.agreement_id, p.id, b.key, b.name, b.kind, p.state, p.round_no, p.text_version, "
    "p.deadline, p.meeting_date, p.decided_on, p.protocol_ref, p.comment, p.version, "
    "p.certainty, p.certainty_source "
    "FROM approval p JOIN agreement a ON a.id = p.agreement_id AND p.round_no = a.round_no "
    "JOIN body b ON b.id = p.body_id {where} "
    "ORDER BY p.agreement_id, CASE WHEN b.kind = 'regionsraad' THEN 0 ELSE 1 END, "
    "b.name{collate}")
_APPROVAL_LABELS = {s.name: s.label for s in APPROVAL.states}
_AGREEMENT_LABELS = {s.name: s.label for s in AGREEMENT.states}
_OPEN = frozenset(s.name for s in APPROVAL.states if not s.final)


def approval_matrix(ctx: ServiceContext, region: str | None = None, *,
                    only: Collection[int] | None = None, cells: bool = True
                    ) -> list[MatrixRow]:
    """Every agreement the principal may see (optionally one region's, or only the given
    ids) with its cells; `cells=False` gives the agreements alone (for filtering and paging
    before the cells of one page are read)."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        session, today = uow.session, uow.now.date()
        where, params = _where(session, region, only)
        agreements = list(session.execute(_sql(_AGREEMENTS, where), params).all())
        if ctx.principal.role == Role.PARTY:
            agreements = _concerning(session, ctx, agreements)
        found: dict[int, list[ApprovalCell]] = {}
        if cells and agreements:
            # the regionsråd first, then by name in code-point order (as AgreementView sorts):
            # SQLite compares text that way already, PostgreSQL with the "C" collation
            collate = ' COLLATE "C"' if ctx.engine.dialect.name == "postgresql" else ""
            found = _cells(list(session.execute(_sql(_CELLS, where, collate), params).all()),
                           {a[0]: a for a in agreements}, today,
                           as_text=ctx.engine.dialect.name == "sqlite")
    return [_row(a, found.get(a[0], [])) for a in agreements]


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


def _sql(template: str, where: list[str], collate: str = "") -> TextClause:
    clause = text(template.format(where="WHERE " + " AND ".join(where) if where else "",
                                  collate=collate))
    if any(":only" in w for w in where):
        clause = clause.bindparams(bindparam("only", expanding=True))
    return clause


def _concerning(session: Session, ctx: ServiceContext, rows: list[Any]) -> list[Any]:
    """A `part` sees the agreements that concern its body (few; the ORM check is fine)."""
    found = [(r, session.get(Agreement, r[0])) for r in rows]
    return [r for r, a in found if a is not None and concerns(session, ctx.principal, a)]


def _cells(rows: list[Any], agreements: dict[int, Any], today: date, *, as_text: bool
           ) -> dict[int, list[ApprovalCell]]:
    """The cells per agreement; SQLite gives dates as ISO text (parsed here, inline: 69,000
    calls of a helper would cost as much as the query)."""
    out: dict[int, list[ApprovalCell]] = {}
    iso, labels = date.fromisoformat, _APPROVAL_LABELS
    rules: dict[tuple[str, str, bool], str] = {}
    current: int | None = None
    bucket: list[ApprovalCell] | None = None
    a_kind, fixed, open_round = "", False, False
    for (agreement_id, id_, key, name, kind, state, round_no, text_version, deadline,
         meeting_date, decided_on, protocol_ref, comment, version, certainty,
         certainty_source) in rows:
        if agreement_id != current:  # agreement-level facts once per agreement, not per cell
            current, agreement = agreement_id, agreements.get(agreement_id)
            bucket = None if agreement is None else out.setdefault(agreement_id, [])
            if agreement is not None:
                a_kind, fixed = agreement[2], agreement[11] is not None
                open_round = agreement[8] == "i_godkendelse"
        if bucket is None:
            continue
        rule = rules.get((a_kind, kind, fixed))
        if rule is None:
            rule = rules[(a_kind, kind, fixed)] = deadline_rule(a_kind, kind, fixed)
        if as_text:
            deadline = iso(deadline) if deadline else None
            meeting_date = iso(meeting_date) if meeting_date else None
            decided_on = iso(decided_on) if decided_on else None
        past = open_round and deadline is not None and deadline < today and state in _OPEN
        bucket.append(ApprovalCell(
            id_, key, name, kind, state, labels[state], round_no, text_version,
            deadline, meeting_date, decided_on, protocol_ref, comment, version or 0,
            certainty, certainty_source, rule, past))
    return out


def _row(a: Any, cells: list[ApprovalCell]) -> MatrixRow:
    (id_, title, kind, cluster, kle, handler, region_key, region, state, round_no,
     text_version, _fixed) = a
    return MatrixRow(id_, title, kind, KIND_LABELS.get(kind, kind), cluster, kle, handler,
                     region_key, region, state, _AGREEMENT_LABELS[state], round_no,
                     text_version, cells, len(cells),
                     sum(1 for c in cells if c.state == "godkendt"))
