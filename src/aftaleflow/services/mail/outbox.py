"""Queue and deliver outgoing messages exactly once per idempotency key.

`enqueue` inserts a row unless its key exists (in the caller's transaction; INSERT ... ON
CONFLICT DO NOTHING, so two runs queueing the same key at the same moment both succeed).
`deliver` claims a batch of queued rows (committed), sends each through a transport, then
marks the batch — one short transaction per step, so a crash loses nothing: unsent rows stay
queued, and a row caught in the middle of sending is marked `uncertain` for a person rather
than sent twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
    (AFTALEFLOW_OUTBOX_RECLAIM_MINUTES, default 10; one SMTP send times out long before).
    A value that is not a whole number from 1 is refused (ValidationFailed), not replaced."""
    return timedelta(minutes=get_settings().outbox_reclaim_minutes)


def batch_size() -> int:
    """At most this many messages per delivery run (AFTALEFLOW_OUTBOX_BATCH_SIZE, default
    1000); the rest stays queued for the next run, and the run's report says so."""
    return get_settings().outbox_batch_size


def check_delivery_settings() -> None:
    """Refuse wrong outbox settings before anything is queued (ValidationFailed, exit 2)."""
    reclaim_window()
    batch_size()


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
    remaining: int = 0  # rows still queued after the run
    in_flight: int = 0  # rows another run is sending right now
    batch_size: int = 0  # the limit the run worked under
    error: str | None = None  # why the run stopped early: the mail server's answer
    limit_reached: bool = False  # the run stopped at the batch size

    sent_elsewhere: int = 0  # of the watched keys (what this run queued): sent by another run

    def notes(self) -> list[str]:
        """Danish lines for whoever started the run: what others sent, what is left, and why."""
        lines = []
        if self.sent_elsewhere:
            lines.append(f"{self.sent_elsewhere} af de beskeder, denne kørsel satte i kø, blev "
                         "sendt af en anden kørsel samtidig.")
        if self.in_flight:
            lines.append(f"{self.in_flight} sendes lige nu af en anden kørsel.")
        if self.remaining:
            if self.error is not None:
                why = (f"afsendelsen stoppede, fordi mailserveren fejlede ({self.error[:200]}); "
                       "næste kørsel prøver igen")
            elif self.limit_reached:
                why = (f"en kørsel sender højst {self.batch_size} beskeder "
                       f"(AFTALEFLOW_OUTBOX_BATCH_SIZE={self.batch_size}); næste kørsel sender "
                       "resten")
            else:
                why = "de kom i kø, efter denne kørsel var færdig; næste kørsel sender dem"
            lines.append(f"{self.remaining} ligger tilbage i kø: {why}.")
        return lines


def enqueue(uow: UnitOfWork, *, key: str, kind: str, recipients: Sequence[str], subject: str,
            body: str, agreement_id: int | None = None, approval_id: int | None = None,
            meeting_id: int | None = None) -> bool:
    """Queue a message in the caller's transaction; False if its key is queued already.

    INSERT ... ON CONFLICT (key) DO NOTHING: a key another transaction is queueing at this
    moment waits for it and then counts as already queued, instead of failing on the unique
    index (two `aftaleflow remind` runs, two Prefect workers).
    """
    uow.session.flush()
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(
        key=key, kind=kind, recipients=list(recipients), subject=subject, body=body,
        agreement_id=agreement_id, approval_id=approval_id, meeting_id=meeting_id,
        status=QUEUED, attempts=0, created_at=uow.now,
    ).on_conflict_do_nothing(index_elements=["key"]).returning(col(OutboxMessage.id))
    return uow.session.execute(statement).first() is not None


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
            claimed.append(_queued(row))
        uow.commit()
        return claimed


Outcome = tuple[int, str | None, bool]
"""One message's outcome: row id, the server's refusal (None: sent), partially delivered."""


def queued_mails(ctx: ServiceContext, limit: int) -> list[QueuedMail]:
    """The next queued rows as a delivery run would claim them, without claiming them."""
    with UnitOfWork(ctx, read_only=True) as uow:
        rows = uow.session.exec(select(OutboxMessage).where(OutboxMessage.status == QUEUED)
                                .order_by(col(OutboxMessage.id)).limit(limit)).all()
        return [_queued(row) for row in rows]


def _queued(row: OutboxMessage) -> QueuedMail:
    assert row.id is not None
    return QueuedMail(id=row.id, key=row.key, kind=row.kind, recipients=list(row.recipients),
                      subject=row.subject, body=row.body, agreement_id=row.agreement_id,
                      approval_id=row.approval_id, meeting_id=row.meeting_id)


def _finish(outcomes: list[Outcome], row_id: int, error: str | None, *,
            uncertain: bool = False) -> None:
    """Note what became of one message; the batch's one transaction records it
    (`_close_batch`)."""
    outcomes.append((row_id, error, uncertain))


def _close_batch(ctx: ServiceContext, outcomes: Sequence[Outcome],
                 untried: Sequence[int]) -> None:
    """One transaction for a batch: sent rows `sent`; refused ones queued again (`failed`
    after MAX_ATTEMPTS); partly delivered ones `uncertain`; claimed rows never tried queued
    again as if never claimed. The row in flight when a run is interrupted is in neither list
    and stays `sending` (uncertain after the reclaim window)."""
    ids = [row_id for row_id, _, _ in outcomes] + list(untried)
    if not ids:
        return
    with UnitOfWork(ctx) as uow:
        rows = {r.id: r for r in uow.session.exec(
            select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))}
        for row_id, error, uncertain in outcomes:
            row = rows[row_id]
            if error is None:
                row.status, row.sent_at, row.last_error = SENT, uow.now, None
            else:
                row.status = (UNCERTAIN if uncertain else
                              FAILED if row.attempts >= MAX_ATTEMPTS else QUEUED)
                row.last_error = error[:2000]
            uow.session.add(row)
        for row_id in untried:
            row = rows[row_id]
            if row.status == SENDING:
                row.status, row.attempts, row.claimed_at = QUEUED, row.attempts - 1, None
                uow.session.add(row)
        uow.commit()


class DeliveryFailed(Exception):
    """Raised by a transport for a message that did not reach the SMTP server."""


class PartiallyDelivered(DeliveryFailed):
    """Some recipients got it: sending again would repeat it to them, so a person decides."""


SEND_BATCH = 25
"""Rows claimed in one transaction, sent one after another (over one SMTP connection) and
marked in one transaction."""
BATCH_SECONDS = 60.0
"""A batch stops starting new messages after this long (at most a sixth of the shortest
reclaim window), so no claimed row waits long enough to look interrupted."""


def deliver(ctx: ServiceContext, send: Callable[[QueuedMail], None],
            watch: Sequence[str] = ()) -> DeliveryReport:
    """Send what is queued, up to the batch size. `send` raises DeliveryFailed when the server
    refused it.

    Rows are claimed SEND_BATCH at a time (committed) before their SMTP dialogues, and the
    batch's outcomes are committed together after them: no database lock is held while SMTP
    talks. A run that is interrupted by an exception (Ctrl-C included) still records what it
    sent and queues the rows it never tried again, so only the message in flight is left
    undecided; a process killed outright leaves at most its batch in `sending`, marked
    `uncertain` (never sent again automatically) by a later run. A database server that
    restarts meanwhile is waited for (RECONNECT_FOR), step by step. The report counts what is
    left queued or in another run's hands, and why; of the `watch` keys (what the caller
    queued) also those another run sent.
    """
    limit = batch_size()
    window = reclaim_window()  # a wrong setting is refused before anything changes
    uncertain = _through_restarts(lambda: mark_interrupted(ctx))
    sent: list[str] = []
    failed: list[str] = []
    error: str | None = None
    handled = 0
    seconds = min(BATCH_SECONDS, window.total_seconds() / 6)
    while handled < limit and not failed:
        claimed = _through_restarts(partial(_claim, ctx, min(SEND_BATCH, limit - handled)))
        if not claimed:
            break
        outcomes: list[Outcome] = []
        started = 0
        stop_at = time.monotonic() + seconds
        try:
            for mail in claimed:
                if started and time.monotonic() > stop_at:
                    break
                started += 1
                handled += 1
                error, doubtful = None, False
                try:
                    send(mail)
                except PartiallyDelivered as exc:
                    error, doubtful = str(exc), True
                except DeliveryFailed as exc:
                    error = str(exc)
                _finish(outcomes, mail.id, error, uncertain=doubtful)
                (uncertain if doubtful else failed if error else sent).append(mail.key)
                if failed:  # a failing server: stop this run, the rest stays queued
                    break
        finally:
            # the mails are out (or refused): record that even if the server restarts meanwhile
            untried = [m.id for m in claimed[started:]]
            _through_restarts(partial(_close_batch, ctx, outcomes, untried))
    others = sorted(set(watch) - set(sent) - set(failed) - set(uncertain))
    remaining, in_flight, elsewhere = _through_restarts(lambda: _backlog(ctx, others))
    return DeliveryReport(sent=sent, failed=failed, uncertain=uncertain, remaining=remaining,
                          in_flight=in_flight, sent_elsewhere=elsewhere, batch_size=limit,
                          error=error if failed else None, limit_reached=handled >= limit)


def _backlog(ctx: ServiceContext, others: list[str]) -> tuple[int, int, int]:
    """How many rows are still queued, how many are being sent (by another run), and how many
    of `others` another run has sent."""
    with UnitOfWork(ctx, read_only=True) as uow:
        counts = dict(uow.session.execute(
            select(OutboxMessage.status, func.count())
            .where(col(OutboxMessage.status).in_([QUEUED, SENDING]))
            .group_by(OutboxMessage.status)).all())
        elsewhere = 0
        for start in range(0, len(others), 500):
            elsewhere += uow.session.execute(select(func.count()).where(
                col(OutboxMessage.key).in_(others[start:start + 500]),
                OutboxMessage.status == SENT)).scalar_one()
    return counts.get(QUEUED, 0), counts.get(SENDING, 0), elsewhere


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
