"""A council's decision written to the database: as late and as short under the agreement's
row lock as the decision allows.

The reads and checks come first, without a lock. Then the writes: the agreement's row (its
time and version: a decision is a change of the case; this takes the row lock every writer
of the agreement takes), the approval only if it is still the version read, and the round's
states read after the lock with a snapshot of their own, so every decision of the round
committed before is seen and the round's last approval always settles it.

On PostgreSQL a decision that cannot settle the round goes in one round trip with its audit
event and the COMMIT (`write_and_commit`): the agreement's lock and the audit chain's are held
for the server's work only, never while this process waits for its turn on the CPU. The
statement `_STILL_OPEN` makes sure of it: it divides by zero, aborting the transaction, when
the write did not happen or the round is no longer open with a party still pending and none
rejected; the decision is then made again the two-step way (`write_decision`), and settles.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from aftaleflow.db import Prepared, one_round_trip
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.model import Agreement, Approval
from aftaleflow.services.agreements.lifecycle import APPROVED, REJECTED, ROUND_GUARDS
from aftaleflow.services.uow import UnitOfWork

_AGREEMENTS = Agreement.__table__  # type: ignore[attr-defined]
_APPROVALS = Approval.__table__  # type: ignore[attr-defined]
_TOUCH_AGREEMENT = Prepared(
    update(_AGREEMENTS).where(_AGREEMENTS.c.id == bindparam("b_id"),
                              _AGREEMENTS.c.state == bindparam("b_state"),
                              _AGREEMENTS.c.round_no == bindparam("b_round"))
    .values(version=_AGREEMENTS.c.version + 1).returning(_AGREEMENTS.c.version))
_WRITE_APPROVAL = Prepared(update(_APPROVALS).where(
    _APPROVALS.c.id == bindparam("b_id"), _APPROVALS.c.version == bindparam("b_seen")))
_ROUND_STATES = Prepared(sa_select(_APPROVALS.c.state).where(
    _APPROVALS.c.agreement_id == bindparam("b_agreement"),
    _APPROVALS.c.round_no == bindparam("b_round")))
# 1 / (the approval written × the agreement still in the round × a party still pending ×
# none rejected): a division by zero, which aborts the transaction, unless all four hold.
# "Written" is by this transaction (xmin, the row version's writer): the same party's
# decision committed meanwhile by another leaves the row at the very version this one
# would have written, and its UPDATE then changed nothing.
_STILL_OPEN = Prepared(text(
    "SELECT 1 / ("
    " (SELECT count(*) FROM approval WHERE id = :approval AND version = :written"
    "  AND xmin = pg_current_xact_id()::xid)"
    " * (SELECT count(*) FROM agreement WHERE id = :agreement AND state = :open_state"
    "    AND round_no = :round)"
    " * (SELECT CASE WHEN count(*) > 0 THEN 1 ELSE 0 END FROM approval"
    "    WHERE agreement_id = :agreement AND round_no = :round"
    "    AND state NOT IN (:approved, :rejected))"
    " * (SELECT CASE WHEN count(*) > 0 THEN 0 ELSE 1 END FROM approval"
    "    WHERE agreement_id = :agreement AND round_no = :round AND state = :rejected))"))
_DIVISION_BY_ZERO = "22012"


class RoundMaySettle(Exception):
    """The one-round-trip write was aborted: make the decision the two-step way."""


def _send_writes(uow: UnitOfWork, agreement: Agreement, approval: Approval,
                 changes: dict[str, Any]) -> tuple[Any, Any, int]:
    conn = uow.session.connection()
    seen = approval.version
    assert seen is not None
    touched = _TOUCH_AGREEMENT.run(conn, {
        "updated_at": uow.now, "b_id": agreement.id, "b_state": agreement.state,
        "b_round": agreement.round_no})
    written = _WRITE_APPROVAL.run(conn, {
        **changes, "version": seen + 1, "b_id": approval.id, "b_seen": seen})
    return touched, written, seen + 1


def _written(uow: UnitOfWork, agreement: Agreement, approval: Approval,
             changes: dict[str, Any], row: Any, version: int) -> None:
    """The session's instances as the database now has them (`row`: the agreement's new
    version, as the touch returned it)."""
    for key, value in (*changes.items(), ("version", version)):
        set_committed_value(approval, key, value)
    set_committed_value(agreement, "updated_at", uow.now)
    set_committed_value(agreement, "version", row[0])


def write_decision(uow: UnitOfWork, agreement: Agreement, approval: Approval,
                   changes: dict[str, Any]) -> list[str]:
    """Write the decision and read the round's states (one round trip on PostgreSQL);
    the usual conflict, nothing written, if the agreement left the round or the approval
    changed since it was read."""
    conn = uow.session.connection()
    with one_round_trip(conn):
        touched, written, version = _send_writes(uow, agreement, approval, changes)
        states = _ROUND_STATES.run(conn, {"b_agreement": agreement.id,
                                          "b_round": agreement.round_no})
    row = touched.fetchone()  # (sqlite3 counts an UPDATE ... RETURNING's rows as read)
    if row is None or written.rowcount != 1:
        raise StaleDataError("the agreement or the approval changed since it was read")
    _written(uow, agreement, approval, changes, row, version)
    return [row[0] for row in states.fetchall()]


def can_write_and_commit(uow: UnitOfWork, agreement: Agreement) -> bool:
    """PostgreSQL, the decision the unit of work's only change, and the round's automatic
    outcomes the ones `_STILL_OPEN` knows."""
    guards = {g for t in AGREEMENT.automatic_transitions_from(agreement.state)
              for g in t.guards}
    return (uow.ctx.engine.dialect.name == "postgresql" and uow.appends_at_commit
            and not uow.has_pending_events and guards <= ROUND_GUARDS)


def write_and_commit(uow: UnitOfWork, agreement: Agreement, approval: Approval,
                     changes: dict[str, Any]) -> None:
    """Write the decision, its audit event (recorded before) and the COMMIT in one round
    trip; RoundMaySettle (nothing written) when the decision may settle the round."""
    sent: list[Any] = []

    def writes() -> None:
        touched, _written_cursor, version = _send_writes(uow, agreement, approval, changes)
        _STILL_OPEN.run(uow.session.connection(), {
            "approval": approval.id, "written": version, "agreement": agreement.id,
            "open_state": agreement.state, "round": agreement.round_no,
            "approved": APPROVED, "rejected": REJECTED})
        sent.extend((touched, version))

    try:
        uow.commit_in_one_round_trip(writes)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == _DIVISION_BY_ZERO:
            raise RoundMaySettle from exc
        raise
    touched, version = sent
    _written(uow, agreement, approval, changes, touched.fetchone(), version)
