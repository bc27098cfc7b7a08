"""The audit trail as a hash chain: every event hashes its own content and its predecessor.

Editing, inserting or deleting a row in the middle breaks the chain at that row, and
`verify` names it. Appending is serialised by the writer lock (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction-scoped advisory lock), so two writers never chain onto one event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, func, text
from sqlmodel import Session, col, select

from aftaleflow.db import Prepared, driver_error
from aftaleflow.domain.model import AuditEvent

GENESIS = "0" * 64
_PG_CHAIN_LOCK = 0x41554449  # "AUDI"
_HASHED_FIELDS = (
    "at", "actor", "entity", "entity_id", "agreement_id",
    "trigger", "from_state", "to_state", "comment",
)


def _payload(event: AuditEvent | Mapping[str, Any], prev_hash: str) -> str:
    get = event.get if isinstance(event, Mapping) else partial(getattr, event)
    payload = {name: get(name) for name in _HASHED_FIELDS}
    payload["prev_hash"] = prev_hash
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(event: AuditEvent | Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over the hashed fields and the predecessor's hash (rows or plain dicts alike)."""
    return hashlib.sha256(_payload(event, prev_hash).encode("utf-8")).hexdigest()


_TABLE = AuditEvent.__table__  # type: ignore[attr-defined]
_HEAD = Prepared(select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1))
_INSERT = Prepared(_TABLE.insert())
CHAIN_LOCK = func.pg_advisory_xact_lock(_PG_CHAIN_LOCK)
_LOCK = Prepared(select(CHAIN_LOCK))


def append_values(conn: Connection, values: dict[str, Any], *, locked: bool = False) -> str:
    """Chain one event (a dict of the hashed fields) onto the head: lock, read head, insert.

    Three statements on the caller's connection, compiled once (`db.Prepared`): on the
    hottest write of all, the ORM cost more than the statements themselves. `locked`: the
    transaction holds the chain's lock already (PostgreSQL; taken with a versioned UPDATE).
    """
    if conn.dialect.name == "postgresql":
        if not locked:
            return _lock_and_append(conn, values)
        return _append_in_one_statement(conn, values)
    head = _HEAD.run(conn, {}).fetchone()
    prev = head[0] if head else GENESIS
    row = {name: values.get(name) for name in _HASHED_FIELDS}
    row["prev_hash"] = prev
    row["hash"] = event_hash(row, prev)
    _INSERT.run(conn, row)
    return str(row["hash"])


# PostgreSQL: read the head and insert the next link in one statement (one round trip).
# The payload is the same JSON `event_hash` hashes, with "prev_hash":"" filled in by the
# server; user text cannot contain that key-value pair, since JSON escapes its quotes.
# Safe only under the chain's lock, taken in an earlier statement of the transaction.
_EMPTY_PREV = '"prev_hash":""'
_APPEND = Prepared(text(
    'INSERT INTO audit_event (at, actor, entity, entity_id, agreement_id, "trigger",'
    " from_state, to_state, comment, prev_hash, hash)"
    " SELECT CAST(:at AS VARCHAR), CAST(:actor AS VARCHAR), CAST(:entity AS VARCHAR),"
    " CAST(:entity_id AS INTEGER), CAST(:agreement_id AS INTEGER),"
    " CAST(:trigger AS VARCHAR), CAST(:from_state AS VARCHAR), CAST(:to_state AS VARCHAR),"
    " CAST(:comment AS VARCHAR), head.prev, encode(sha256(convert_to(replace("
    " CAST(:payload AS TEXT), CAST(:empty AS TEXT), '\"prev_hash\":\"' || head.prev || '\"'),"
    " 'UTF8')), 'hex')"
    " FROM (SELECT coalesce((SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1),"
    " CAST(:genesis AS VARCHAR)) AS prev) AS head RETURNING hash"))


def _append_params(values: dict[str, Any]) -> dict[str, Any]:
    row = {name: values.get(name) for name in _HASHED_FIELDS}
    return {**row, "payload": _payload(row, ""), "empty": _EMPTY_PREV, "genesis": GENESIS}


def _append_in_one_statement(conn: Connection, values: dict[str, Any]) -> str:
    return str(_APPEND.run(conn, _append_params(values)).fetchone()[0])


def _lock_and_append(conn: Connection, values: dict[str, Any]) -> str:
    """The chain's lock and the append sent together in one round trip (psycopg's pipeline).

    The server still runs them one after the other, and under READ COMMITTED each statement
    reads with its own snapshot, taken when it starts: the append reads the head only once
    the lock is granted, as when they went one at a time. The lock is every writer's, so the
    round trip saved is one every other writer no longer waits for.
    """
    dbapi = conn.connection.dbapi_connection
    params = _append_params(values)
    try:
        with dbapi.pipeline():  # type: ignore[union-attr]
            _LOCK.run(conn, {})
            cursor = _APPEND.run(conn, params)
        return str(cursor.fetchone()[0])
    except conn.dialect.loaded_dbapi.Error as exc:  # raised when the pipeline syncs
        raise driver_error(conn, "pipeline: chain lock + append", params, exc) from exc


def append_all_and_commit(conn: Connection, events: list[dict[str, Any]], *,
                          locked: bool, before: Callable[[], None] | None = None) -> None:
    """PostgreSQL: the chain's lock, every event's append and the COMMIT in one round trip.

    The chain's lock is every writer's, in every process; sent together, it is held for the
    server's own work only, never for a round trip to this process and back (under load the
    wait for this process's turn on the CPU was most of the time the lock was held). The
    server runs them in order, each append reading the head after the one before.
    `before`: statements of the caller's to send first, in the same round trip.
    """
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    try:
        with dbapi.pipeline():
            if before is not None:
                before()
            if not locked:
                _LOCK.run(conn, {})
            for values in events:
                _APPEND.run(conn, _append_params(values))
            dbapi.commit()
    except conn.dialect.loaded_dbapi.Error as exc:  # raised when the pipeline syncs
        raise driver_error(conn, "pipeline: chain lock + append + commit", {}, exc) from exc


@dataclass(frozen=True)
class Head:
    """Where the chain ends: the last event's id and hash, and how many events lead there."""

    event_id: int | None
    hash: str
    count: int


_HEAD_AND_COUNT = text(
    "SELECT e.id, e.hash, (SELECT count(*) FROM audit_event) FROM audit_event e"
    " ORDER BY e.id DESC LIMIT 1")


def head(conn: Connection) -> Head:
    """The chain's head and length, read in one statement (one snapshot on every backend)."""
    row = conn.execute(_HEAD_AND_COUNT).fetchone()
    if row is None:
        return Head(None, GENESIS, 0)
    return Head(int(row[0]), str(row[1]), int(row[2]))


@dataclass(frozen=True)
class Anchor:
    """A point of the chain recorded outside the database (a signed checkpoint)."""

    name: str
    event_id: int
    hash: str
    count: int


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    broken_event_id: int | None = None
    reason: str | None = None
    anchor: Anchor | None = None  # the first anchor the chain no longer matches
    anchors_checked: int = 0


def verify_events(events: Iterable[AuditEvent], anchors: Iterable[Anchor] = ()) -> ChainReport:
    """Check every link; with `anchors`, also that the chain still passes through each one.

    A chain rewritten consistently (an event changed and every later hash recomputed) is
    intact link by link, but no longer has the hash an anchor recorded for its event.
    """
    pending = sorted(anchors, key=lambda a: (a.count, a.event_id))
    checked = 0
    prev = GENESIS
    count = 0
    for ev in events:
        count += 1
        if ev.prev_hash != prev:
            return ChainReport(False, count, ev.id, "forrige hash passer ikke (hændelse slettet "
                               "eller indsat)", anchors_checked=checked)
        if event_hash(ev, prev) != ev.hash:
            return ChainReport(False, count, ev.id, "indholdet er ændret efter registreringen",
                               anchors_checked=checked)
        prev = ev.hash
        while pending and (pending[0].count <= count or pending[0].event_id <= (ev.id or 0)):
            anchor = pending.pop(0)
            if (anchor.count, anchor.event_id, anchor.hash) != (count, ev.id, ev.hash):
                return _missed(anchor, count, ev, checked)
            checked += 1
    if pending:
        return ChainReport(False, count, None, f"kæden har kun {count} hændelser, men "
                           f"kontrolpunktet har {pending[0].count}", pending[0], checked)
    return ChainReport(True, count, anchors_checked=checked)


def _missed(anchor: Anchor, count: int, ev: AuditEvent, checked: int) -> ChainReport:
    if anchor.event_id != ev.id or anchor.count != count:
        why = (f"kontrolpunktet slutter ved hændelse #{anchor.event_id} som nr. "
               f"{anchor.count}, kæden har hændelse #{ev.id} som nr. {count} (hændelser "
               "slettet eller indsat)")
    else:
        why = (f"hændelse #{ev.id} har ikke længere den hash, kontrolpunktet signerede "
               "(kæden er skrevet om)")
    return ChainReport(False, count, ev.id, why, anchor, checked)


def verify(session: Session, anchors: Iterable[Anchor] = ()) -> ChainReport:
    rows = session.exec(
        select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=2000)
    )
    return verify_events(rows, anchors)
