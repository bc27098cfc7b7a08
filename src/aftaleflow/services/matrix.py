"""The approval matrix built for itself: one row per agreement, one tuple per party's cell.

Two plain SQL queries (agreements with region and origin cluster; every current-round cell with
its body, already in party order), no ORM objects and no type processing per cell: dates come
as the driver gives them and are parsed once. `status`, `GET /status`, the dashboard and the
exports all read this result (issue 15: the matrix ≤ 2× the raw query).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import text
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
    "p.deadline, p.meeting_date, p.decided_on, p.protocol_ref, p.comment, p.version "
    "FROM approval p JOIN agreement a ON a.id = p.agreement_id AND p.round_no = a.round_no "
    "JOIN body b ON b.id = p.body_id {where} "
    "ORDER BY p.agreement_id")
_APPROVAL_LABELS = {s.name: s.label for s in APPROVAL.states}
_AGREEMENT_LABELS = {s.name: s.label for s in AGREEMENT.states}
_OPEN = frozenset(s.name for s in APPROVAL.states if not s.final)


def _day(value: Any) -> date | None:
    """SQLite gives ISO text, PostgreSQL a date; both become a date."""
    if value is None or type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value)


def approval_matrix(ctx: ServiceContext, region: str | None = None) -> list[MatrixRow]:
    """Every agreement the principal may see (optionally one region's) with its cells."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        session, today = uow.session, uow.now.date()
        where, params = "", {}
        if region:  # control characters (a NUL breaks PostgreSQL) are refused, not looked up
            ref = clean_text(region, "region", max_len=60, single_line=True)
            where, params = "WHERE a.region_id = :region", {"region": _find_region(
                session, ref).id}
        agreements = list(session.execute(text(_AGREEMENTS.format(where=where)), params))
        if ctx.principal.role == Role.PARTY:
            agreements = _concerning(session, ctx, agreements)
        cells = _cells(list(session.execute(text(_CELLS.format(where=where)), params)),
                       {a[0]: a for a in agreements}, today)
    return [_row(a, cells.get(a[0], [])) for a in agreements]


def _concerning(session: Session, ctx: ServiceContext, rows: list[Any]) -> list[Any]:
    """A `part` sees the agreements that concern its body (few; the ORM check is fine)."""
    found = [(r, session.get(Agreement, r[0])) for r in rows]
    return [r for r, a in found if a is not None and concerns(session, ctx.principal, a)]


def _cells(rows: list[Any], agreements: dict[int, Any], today: date
           ) -> dict[int, list[ApprovalCell]]:
    out: dict[int, list[ApprovalCell]] = {}
    rules: dict[tuple[str, str, bool], str] = {}
    current, bucket = None, []
    for (agreement_id, id_, key, name, kind, state, round_no, text_version, deadline,
         meeting_date, decided_on, protocol_ref, comment, version) in rows:
        agreement = agreements.get(agreement_id)
        if agreement is None:
            continue
        if agreement_id != current:
            current, bucket = agreement_id, out.setdefault(agreement_id, [])
        rule_key = (agreement[2], kind, agreement[11] is not None)
        rule = rules.get(rule_key)
        if rule is None:
            rule = rules[rule_key] = deadline_rule(*rule_key)
        deadline = _day(deadline)
        past = (agreement[8] == "i_godkendelse" and deadline is not None and deadline < today
                and state in _OPEN)
        bucket.append(ApprovalCell(
            id_, key, name, kind, state, _APPROVAL_LABELS[state], round_no, text_version,
            deadline, _day(meeting_date), _day(decided_on), protocol_ref, comment, version or 0,
            rule, past))
    for bucket in out.values():  # the regionsråd first, then by name (as AgreementView)
        bucket.sort(key=_party_order)
    return out


def _party_order(cell: ApprovalCell) -> tuple[bool, str]:
    return cell.body_kind != "regionsraad", cell.body


def _row(a: Any, cells: list[ApprovalCell]) -> MatrixRow:
    (id_, title, kind, cluster, kle, handler, region_key, region, state, round_no,
     text_version, _fixed) = a
    return MatrixRow(id_, title, kind, KIND_LABELS.get(kind, kind), cluster, kle, handler,
                     region_key, region, state, _AGREEMENT_LABELS[state], round_no,
                     text_version, cells, len(cells),
                     sum(1 for c in cells if c.state == "godkendt"))
