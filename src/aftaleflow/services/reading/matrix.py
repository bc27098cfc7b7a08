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
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlmodel import Session

from aftaleflow.db import Prepared
from aftaleflow.domain.access import Role
from aftaleflow.domain.machines import AGREEMENT, APPROVAL
from aftaleflow.domain.model import KIND_LABELS, Agreement, noted_condition
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements.cases import _find_region
from aftaleflow.services.agreements.part_view import concerns, seen_by, viewer_of
from aftaleflow.services.agreements.read_model import deadline_rule
from aftaleflow.services.uow import ServiceContext, UnitOfWork, reader_of
from aftaleflow.services.views import ApprovalCell, MatrixRow

_AGREEMENTS = (
    "SELECT a.id, a.title, a.kind, c.name, a.kle_number, a.case_handler, r.key, r.name, "
    "a.state, a.round_no, a.text_version, "
    # the fixed deadline counts for the round it was given for only
    "CASE WHEN a.approval_deadline_round = a.round_no THEN a.approval_deadline END "
    "FROM agreement a JOIN region r ON r.id = a.region_id "
    "LEFT JOIN cluster c ON c.id = a.origin_cluster_id {where} ORDER BY a.id")
_ROUND = "FROM approval p JOIN agreement a ON a.id = p.agreement_id AND p.round_no = a.round_no"
_CELLS = (
    "SELECT p.agreement_id, p.id, p.body_id, p.state, p.text_version, p.deadline, p.version "
    # no ORDER BY: the rows are put in agreement order in Python (they come nearly so, in
    # the table's order; sorting them in SQL cost more than the rest of the query)
    f"{_ROUND} {{where}}")
# What a cell has once its party has met or decided, or was asked on uncertain data: only for
# the cells that have any of it (each column the driver converts costs about a sixth of the
# raw query's time per row, and most cells of a running round have none of these), found
# through the partial index ix_approval_noted rather than a scan of every approval (measured
# on SQLite, 1,000 × 23 with none noted: 3.9 ms → 0.01 ms).
_NOTED = (
    "SELECT p.id, p.meeting_date, p.decided_on, p.protocol_ref, p.comment, p.certainty, "
    f"p.certainty_source {_ROUND} {{where}} {{also}} ({noted_condition('p.')})")
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
    agreements = _fetch(session, _AGREEMENTS, where, params)
    if ctx.principal.role == Role.PARTY:
        agreements = _concerning(session, ctx, agreements)
    if not (cells and agreements):
        return [_row(a, []) for a in agreements]
    bodies = _bodies(session)
    with _collector_paused():
        dates = _Dates(as_text=ctx.engine.dialect.name == "sqlite")
        found = _cells(_fetch(session, _CELLS, where, params), bodies,
                       {a[0]: a for a in agreements}, today, dates,
                       _noted(_fetch(session, _NOTED, where, params), dates))
        viewer = viewer_of(reader_of(session), ctx.principal)
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
    if only is not None:  # whole numbers, spelled out (`Prepared` takes no expanding IN)
        clauses.append(f"a.id IN ({', '.join(str(int(i)) for i in only) or '0'})")
    return clauses, params


_PREPARED: dict[tuple[str, tuple[str, ...]], Prepared] = {}


def _fetch(session: Session, template: str, where: list[str], params: dict[str, Any]
           ) -> list[Any]:
    """Every row as the driver's plain tuples: the statement compiled once per filter
    (`db.Prepared`), run on the transaction's own cursor (23,000 SQLAlchemy rows cost a
    tenth of the matrix)."""
    key = (template, tuple(where))
    statement = _PREPARED.get(key)
    if statement is None:
        statement = Prepared(text(template.format(
            where="WHERE " + " AND ".join(where) if where else "",
            also="AND" if where else "WHERE")))
        if not any(" IN (" in w for w in where):  # a list of ids is one page's, not kept
            _PREPARED[key] = statement
    rows: list[Any] = statement.run(session.connection(), params).fetchall()
    return rows


def _concerning(session: Session, ctx: ServiceContext, rows: list[Any]) -> list[Any]:
    """A `part` sees the agreements that concern its body (few; the ORM check is fine)."""
    found = [(r, session.get(Agreement, r[0])) for r in rows]
    db = reader_of(session)
    return [r for r, a in found if a is not None and concerns(db, ctx.principal, a)]


class _Bodies(NamedTuple):
    by_id: dict[int, tuple[str, str, str]]  # key, name, kind
    place: dict[str, int]  # body key → place in the party order


def _bodies(session: Session) -> _Bodies:
    """Every body with its place in the party order: the regionsråd first, then by name in
    code-point order (as AgreementView sorts)."""
    rows = sorted(session.execute(_BODIES).all(), key=lambda r: (r[3] != "regionsraad", r[2]))
    return _Bodies({id_: (key, name, kind) for id_, key, name, kind in rows},
                   {row[1]: place for place, row in enumerate(rows)})


class _Dates(dict[Any, Any]):
    """A date as the driver gives it → the date: SQLite's ISO text parsed once per distinct
    day (a matrix has a few hundred days in 69,000 date fields), PostgreSQL's dates as they
    are; None stays None. A lookup is one dictionary access."""

    def __init__(self, as_text: bool) -> None:
        super().__init__({None: None})
        self._parse = date.fromisoformat if as_text else None

    def __missing__(self, value: Any) -> Any:
        self[value] = day = self._parse(value) if self._parse else value
        return day


class _Past(dict[Any, bool]):
    """A deadline as the driver gives it → whether it has passed `today`."""

    def __init__(self, dates: _Dates, today: date) -> None:
        super().__init__()
        self._dates, self._today = dates, today

    def __missing__(self, value: Any) -> bool:
        self[value] = past = self._dates[value] < self._today
        return past


class _Rules(dict[int, str]):
    """Body id → the deadline rule of its kind of party, for one kind of agreement with or
    without a fixed deadline (worked out once per kind of party: `read_model.deadline_rule`)."""

    def __init__(self, agreement_kind: str, fixed: bool, bodies: _Bodies) -> None:
        super().__init__()
        self._kind, self._fixed, self._bodies = agreement_kind, fixed, bodies.by_id
        self._by_kind: dict[str, str] = {}

    def __missing__(self, body_id: int) -> str:
        kind = self._bodies[body_id][2]
        rule = self._by_kind.get(kind)
        if rule is None:
            rule = self._by_kind[kind] = deadline_rule(self._kind, kind, self._fixed)
        self[body_id] = rule
        return rule


_AGREEMENT_ID = itemgetter(0)
_BODY_KEY = itemgetter(1)


def _noted(rows: Sequence[Any], dates: _Dates) -> dict[int, tuple[Any, ...]]:
    """Approval id → meeting date, decision date, protocol, comment, certainty and its
    source, for the approvals that have any of them."""
    return {id_: (dates[meeting_date], dates[decided_on], protocol_ref, comment, certainty,
                  certainty_source)
            for id_, meeting_date, decided_on, protocol_ref, comment, certainty,
            certainty_source in rows}


_NOTHING = (None, None, None, None, None, None)


def _cells(rows: list[Any], bodies: _Bodies, agreements: dict[int, Any],
           today: date, dates: _Dates, noted: dict[int, tuple[Any, ...]]
           ) -> dict[int, list[ApprovalCell]]:
    """The cells per agreement in party order.

    The rows are put in agreement order (a stable sort on the agreement id, in C). Each
    agreement's cells are built in one list comprehension (no Python call per cell: dates,
    the deadline's passing and the rule are dictionary lookups), then put in party order by
    a permutation worked out once per sequence of parties (the agreements of a region, their
    rounds started the same way, share one).
    """
    rows.sort(key=_AGREEMENT_ID)  # stable, and nearly linear on rows nearly in order
    out: dict[int, list[ApprovalCell]] = {}
    labels, new, by_id, cell = _APPROVAL_LABELS, tuple.__new__, bodies.by_id, ApprovalCell
    note, open_states = noted.get, _OPEN
    past = _Past(dates, today)
    rules: dict[tuple[str, bool], _Rules] = {}
    orders: dict[tuple[str, ...], Callable[[list[ApprovalCell]], list[ApprovalCell]]] = {}
    for agreement_id, group in groupby(rows, _AGREEMENT_ID):
        agreement = agreements.get(agreement_id)
        if agreement is None:
            continue
        round_no, open_round = agreement[9], agreement[8] == "i_godkendelse"
        key = (agreement[2], agreement[11] is not None)  # the rule: kind, fixed deadline
        rule = rules.get(key) or rules.setdefault(key, _Rules(*key, bodies))
        # tuple.__new__ with every field: the NamedTuple's own __new__ is a Python call
        found = [new(cell, (
            id_, key, name, kind, state, labels[state], round_no, text_version,
            dates[deadline], meeting_date, decided_on, protocol_ref, comment, version,
            certainty, certainty_source,
            # a running deadline shows its rule (as agreements._rule_if_pending) and passes
            rule[body_id] if (running := open_round and deadline is not None
                              and state in open_states) else "",
            running and past[deadline]))
            for _, id_, body_id, state, text_version, deadline, version in group
            # one-element loops: plain assignments (no call, no unpacking into a list)
            for key, name, kind in [by_id[body_id]]
            for meeting_date, decided_on, protocol_ref, comment, certainty, certainty_source
            in [note(id_, _NOTHING)]]
        parties = tuple(map(_BODY_KEY, found))
        order = orders.get(parties) or orders.setdefault(parties,
                                                         _party_order(parties, bodies))
        out[agreement_id] = order(found)
    return out


def _party_order(parties: tuple[str, ...], bodies: _Bodies
                 ) -> Callable[[list[ApprovalCell]], list[ApprovalCell]]:
    """How to put cells of these parties (body keys, in the rows' order) in party order."""
    places = sorted(range(len(parties)), key=lambda i: bodies.place[parties[i]])
    if places == list(range(len(parties))):
        return _as_they_are
    pick = itemgetter(*places)
    return lambda cells: list(pick(cells))


def _as_they_are(cells: list[ApprovalCell]) -> list[ApprovalCell]:
    return cells


def _row(a: Any, cells: list[ApprovalCell]) -> MatrixRow:
    """The agreement's MatrixRow, its fields written at once: a frozen dataclass's __init__
    sets each of its 16 fields through object.__setattr__ (measured: 6.3 ms of the 1,000-row
    matrix, against 0.9 ms). Equal to MatrixRow(...) with the same values
    (tests/services/test_status.py)."""
    (id_, title, kind, cluster, kle, handler, region_key, region, state, round_no,
     text_version, _fixed) = a
    row = _new_row(MatrixRow)
    row.__dict__.update(zip(_ROW_FIELDS, (
        id_, title, kind, KIND_LABELS.get(kind, kind), cluster, kle, handler, region_key,
        region, state, _AGREEMENT_LABELS[state], round_no, text_version, cells, len(cells),
        [cell[_STATE] for cell in cells].count("godkendt")), strict=True))
    return row


_new_row = object.__new__
_ROW_FIELDS = tuple(f.name for f in fields(MatrixRow))


_STATE = ApprovalCell._fields.index("state")
