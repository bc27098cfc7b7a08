"""The audit trail as a hash chain: every event hashes its own content and its predecessor.

Editing, inserting or deleting a row in the middle breaks the chain at that row, and
`verify` names it. Appending is serialised by the writer lock (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction-scoped advisory lock), so two writers never chain onto one event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, col, select

from aftaleflow.domain.model import AuditEvent

GENESIS = "0" * 64
_PG_CHAIN_LOCK = 0x41554449  # "AUDI"
_HASHED_FIELDS = (
    "at", "actor", "entity", "entity_id", "agreement_id",
    "trigger", "from_state", "to_state", "comment",
)


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    payload = {name: getattr(event, name) for name in _HASHED_FIELDS}
    payload["prev_hash"] = prev_hash
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def append(session: Session, event: AuditEvent) -> AuditEvent:
    """Chain `event` onto the current head inside the caller's transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    head = session.exec(
        select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
    ).first()
    prev = head or GENESIS
    event.prev_hash = prev
    event.hash = event_hash(event, prev)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    broken_event_id: int | None = None
    reason: str | None = None


def verify_events(events: Iterable[AuditEvent]) -> ChainReport:
    prev = GENESIS
    count = 0
    for ev in events:
        count += 1
        if ev.prev_hash != prev:
            return ChainReport(False, count, ev.id, "forrige hash passer ikke (hændelse slettet "
                               "eller indsat)")
        if event_hash(ev, prev) != ev.hash:
            return ChainReport(False, count, ev.id, "indholdet er ændret efter registreringen")
        prev = ev.hash
    return ChainReport(True, count)


def verify(session: Session) -> ChainReport:
    rows = session.exec(
        select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=2000)
    )
    return verify_events(rows)
