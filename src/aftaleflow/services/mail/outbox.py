"""Queue and deliver outgoing messages exactly once per idempotency key.

`enqueue` inserts a row unless its key exists (in the caller's transaction). `deliver` claims
queued rows (committed), sends each through a transport, then marks it sent — one short
transaction per step, so a crash loses nothing: unsent rows stay queued, and a row caught in
the middle of sending is marked `uncertain` for a person rather than sent twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlmodel import col, select

from aftaleflow.config import get_settings
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.outbox import (
    FAILED,
    MAX_ATTEMPTS,
    QUEUED,
    SENDING,
    SENT,
    STATUS_LABELS,
    UNCERTAIN,
    OutboxMessage,
)
from aftaleflow.services.uow import DatabaseUnavailable, ServiceContext, UnitOfWork


def reclaim_window() -> timedelta:
    """How long a claimed row may stay in `sending` before it counts as interrupted
    (AFTALEFLOW_OUTBOX_RECLAIM_MINUTES, default 10; one SMTP send times out long before)."""
    return timedelta(minutes=get_settings().outbox_reclaim_minutes)


RECONNECT_FOR = 120.0  # seconds a delivery run waits for a restarting database server
_RECONNECT_SIGNS = ("connection", "shutting down", "starting up", "recovery mode",
                    "administrator command")
log = logging.getLogger(__name__)
T = TypeVar("T")


def _lost_connection(exc: DatabaseUnavailable) -> bool:
    cause = exc.__cause__
    if getattr(cause, "connection_invalidated", False):
        return True
    text = str(getattr(cause, "orig", None) or cause or exc).lower()
    return any(sign in text for sign in _RECONNECT_SIGNS)


def _through_restarts(step: Callable[[], T], wait: float = 0.5) -> T:
    """Run one short transaction, again while the database server is away (restart, failover).

    Each step is a whole transaction, so repeating it after a lost connection is safe: either
    it committed (then the repeat finds nothing left to do, or the same row) or it did not.
    """
    deadline = time.monotonic() + RECONNECT_FOR
    while True:
        try:
            return step()
        except DatabaseUnavailable as exc:
            if not _lost_connection(exc) or time.monotonic() > deadline:
                raise
            log.warning("Forbindelsen til databasen er afbrudt (%s); prøver igen om %.1f s. "
                        "Ingen besked går tabt.", exc.message[:120], wait)
            time.sleep(wait)


@dataclass(frozen=True)
class QueuedMail:
    """What a transport needs to send one outbox row."""

    id: int
    key: str
    kind: str
    recipients: list[str]
    subject: str
    body: str
    agreement_id: int | None
    approval_id: int | None
    meeting_id: int | None


@dataclass(frozen=True)
class OutboxView:
    id: int
    key: str
    kind: str
    status: str
    status_label: str
    recipients: list[str]
    subject: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    uncertain_after: datetime | None = None  # a row in `sending`: when it becomes uncertain


@dataclass(frozen=True)
class DeliveryReport:
    sent: list[str]
    failed: list[str]
    uncertain: list[str]


def enqueue(uow: UnitOfWork, *, key: str, kind: str, recipients: Sequence[str], subject: str,
            body: str, agreement_id: int | None = None, approval_id: int | None = None,
            meeting_id: int | None = None) -> bool:
    """Queue a message in the caller's transaction; False if its key was queued before."""
    exists = uow.session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first()
    if exists is not None:
        return False
    uow.session.add(OutboxMessage(
        key=key, kind=kind, recipients=list(recipients), subject=subject, body=body,
        agreement_id=agreement_id, approval_id=approval_id, meeting_id=meeting_id,
        created_at=uow.now))
    uow.session.flush()
    return True


def mark_interrupted(ctx: ServiceContext) -> list[str]:
    """Rows left in `sending` by a run that died: the SMTP server may have them.

    Only rows claimed longer ago than the reclaim window count, so a run still sending in
    another process is left alone.
    """
    with UnitOfWork(ctx) as uow:
        rows = uow.session.exec(select(OutboxMessage).where(
            OutboxMessage.status == SENDING,
            col(OutboxMessage.claimed_at) < uow.now - reclaim_window()))
        keys = []
        for row in rows:
            row.status = UNCERTAIN
            row.last_error = ("Afbrudt mellem afsendelse og registrering; kontrollér hos "
                              "modtageren, og frigiv beskeden igen, hvis den ikke er kommet frem.")
            uow.session.add(row)
            keys.append(row.key)
        uow.commit()
    return keys


def _claim(ctx: ServiceContext, limit: int) -> list[QueuedMail]:
    """Claim the next queued rows; a row another sender is claiming right now is skipped.

    On PostgreSQL two senders (two Prefect workers) would otherwise read the same queued row
    under READ COMMITTED and both send it; SKIP LOCKED hands each row to one of them. SQLite
    has no row locks: its writers are serialised by BEGIN IMMEDIATE, and the clause is left out.
    """
    with UnitOfWork(ctx) as uow:
        rows = uow.session.exec(select(OutboxMessage).where(OutboxMessage.status == QUEUED)
                                .order_by(col(OutboxMessage.id)).limit(limit)
                                .with_for_update(skip_locked=True)).all()
        claimed = []
        for row in rows:
            row.status = SENDING
            row.attempts += 1
            row.claimed_at = uow.now
            uow.session.add(row)
            assert row.id is not None
            claimed.append(QueuedMail(
                id=row.id, key=row.key, kind=row.kind, recipients=list(row.recipients),
                subject=row.subject, body=row.body, agreement_id=row.agreement_id,
                approval_id=row.approval_id, meeting_id=row.meeting_id))
        uow.commit()
        return claimed


def _finish(ctx: ServiceContext, row_id: int, error: str | None, *,
            uncertain: bool = False) -> str:
    with UnitOfWork(ctx) as uow:
        row = uow.session.get(OutboxMessage, row_id)
        assert row is not None
        if error is None:
            row.status, row.sent_at, row.last_error = SENT, uow.now, None
        else:
            row.status = (UNCERTAIN if uncertain else
                          FAILED if row.attempts >= MAX_ATTEMPTS else QUEUED)
            row.last_error = error[:2000]
        uow.session.add(row)
        uow.commit()
        return row.status


class DeliveryFailed(Exception):
    """Raised by a transport for a message that did not reach the SMTP server."""


class PartiallyDelivered(DeliveryFailed):
    """Some recipients got it: sending again would repeat it to them, so a person decides."""


def deliver(ctx: ServiceContext, send: Callable[[QueuedMail], None]) -> DeliveryReport:
    """Send everything queued. `send` raises DeliveryFailed when the server refused it.

    Rows are claimed one at a time, just before their SMTP dialogue, so a crash leaves at most
    the one message in flight undecided; every other row is either sent or still queued. A
    database server that restarts meanwhile is waited for (RECONNECT_FOR), step by step.
    """
    uncertain = _through_restarts(lambda: mark_interrupted(ctx))
    sent: list[str] = []
    failed: list[str] = []
    while True:
        claimed = _through_restarts(lambda: _claim(ctx, 1))
        if not claimed:
            break
        for mail in claimed:
            error, doubtful = None, False
            try:
                send(mail)
            except PartiallyDelivered as exc:
                error, doubtful = str(exc), True
            except DeliveryFailed as exc:
                error = str(exc)
            # the mail is out (or refused): record that even if the server restarts meanwhile
            _through_restarts(partial(_finish, ctx, mail.id, error, uncertain=doubtful))
            (uncertain if doubtful else failed if error else sent).append(mail.key)
        if failed:  # a failing server: stop this run, the rest stays queued
            break
    return DeliveryReport(sent=sent, failed=failed, uncertain=uncertain)


def release(ctx: ServiceContext, row_id: int) -> OutboxView:
    """A person checked an uncertain or failed message: queue it again."""
    ctx.authorize("document.write")
    with UnitOfWork(ctx) as uow:
        row = uow.session.get(OutboxMessage, row_id)
        if row is None or row.status not in (UNCERTAIN, FAILED):
            raise ValidationFailed(f"Besked {row_id} er ikke usikker eller fejlet.")
        row.status, row.attempts = QUEUED, 0
        uow.session.add(row)
        uow.commit()
        return _view(row)


def list_outbox(ctx: ServiceContext, status: str | None = None) -> list[OutboxView]:
    ctx.authorize("meeting.read")
    if status is not None and status not in STATUS_LABELS:
        raise ValidationFailed(f"Ukendt status '{status[:40]}'. Mulige: "
                               f"{', '.join(STATUS_LABELS)}.")
    with UnitOfWork(ctx, read_only=True) as uow:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if status:
            query = query.where(OutboxMessage.status == status)
        return [_view(r) for r in uow.session.exec(query)]


def _view(row: OutboxMessage) -> OutboxView:
    assert row.id is not None
    return OutboxView(id=row.id, key=row.key, kind=row.kind, status=row.status,
                      status_label=STATUS_LABELS[row.status], recipients=list(row.recipients),
                      subject=row.subject, attempts=row.attempts, created_at=row.created_at,
                      sent_at=row.sent_at, last_error=row.last_error,
                      uncertain_after=(row.claimed_at + reclaim_window()
                                       if row.status == SENDING and row.claimed_at else None))
