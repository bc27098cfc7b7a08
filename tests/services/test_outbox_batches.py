"""The outbox sends in batches over one SMTP connection (aiosmtpd on 127.0.0.1) and stays
exactly-once: a run killed outright (SIGKILL) sends nothing twice and leaves at most its batch
for a person to check; a run stopped by an exception records what it sent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aftaleflow.config import TIMEZONE
from aftaleflow.mail import OutgoingMail, SmtpSession, SmtpTransport
from aftaleflow.services.mail import outbox
from aftaleflow.services.mail.mailing import send_outbox
from aftaleflow.services.mail.outbox import QueuedMail, deliver, enqueue, list_outbox
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from tests.smtp_server import RecordingHandler, SmtpTestServer

ROOT = Path(__file__).resolve().parents[2]


class SessionCountingHandler(RecordingHandler):
    """Records which SMTP connection carried each mail; optionally slow, like a relay."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__(frozenset(), None)
        self.delay = delay
        self.connections: list[int] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.connections.append(id(session))
        return await super().handle_DATA(server, session, envelope)


def _queue(ctx: ServiceContext, count: int) -> list[str]:
    keys = [f"besked-{n:03d}" for n in range(count)]
    with UnitOfWork(ctx) as uow:
        for key in keys:
            enqueue(uow, key=key, kind="rykker", recipients=["kb@herning.dk"],
                    subject=f"Rykker {key}", body="Husk beslutningen.")
        uow.commit()
    return keys


def test_one_smtp_connection_carries_all_of_a_runs_messages(ctx) -> None:
    keys = _queue(ctx, 2 * outbox.SEND_BATCH + 3)  # three batches
    handler = SessionCountingHandler()
    server = SmtpTestServer()
    server.handler = handler
    with server:
        report = send_outbox(ctx, SmtpTransport(server.settings()), attachments=None)
    assert sorted(report.sent) == keys
    assert len(handler.connections) == len(keys) and len(set(handler.connections)) == 1
    assert {o.status for o in list_outbox(ctx)} == {"sent"}


def test_a_connection_the_server_closed_while_idle_is_opened_again() -> None:
    first = SmtpTestServer()
    with SmtpSession(first.settings()) as session:
        session.check_after = 0  # as after a pause: the connection is checked first
        with first:
            session.send(OutgoingMail("a", ["kb@herning.dk"], "Første", "Tekst"))
        second = SmtpTestServer()
        second.port = first.port  # the same server, restarted: the old connection is gone
        with second:
            session.send(OutgoingMail("b", ["kb@herning.dk"], "Anden", "Tekst"))
            assert [m.message["Subject"] for m in second.received] == ["Anden"]
    assert [m.message["Subject"] for m in first.received] == ["Første"]


class Stop(BaseException):
    """Stands for Ctrl-C in the middle of a batch."""


def test_a_run_stopped_mid_batch_records_what_it_sent_and_queues_what_it_did_not_try(
        ctx, clock) -> None:
    keys = _queue(ctx, 10)
    sent: list[str] = []

    def send(mail: QueuedMail) -> None:
        if len(sent) == 4:
            raise Stop
        sent.append(mail.key)

    with pytest.raises(Stop):
        deliver(ctx, send)
    status = {o.key: o for o in list_outbox(ctx)}
    assert [k for k in keys if status[k].status == "sent"] == keys[:4]
    assert status[keys[4]].status == "sending"  # in flight: undecided
    assert all(status[k].status == "queued" and status[k].attempts == 0 for k in keys[5:])
    clock.current += timedelta(minutes=11)
    report = deliver(ctx, lambda mail: None)
    assert report.uncertain == [keys[4]] and report.sent == keys[5:]


@pytest.mark.slow
def test_a_remind_run_killed_outright_sends_nothing_twice_and_leaves_at_most_its_batch(
        ctx, db_url: str, clock, tmp_path: Path) -> None:
    keys = _queue(ctx, 3 * outbox.SEND_BATCH)
    handler = SessionCountingHandler(delay=0.02)
    server = SmtpTestServer()
    server.handler = handler
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=db_url, AFTALEFLOW_SMTP_HOST="127.0.0.1",
               AFTALEFLOW_SMTP_PORT=str(server.port), AFTALEFLOW_STATE_DIR=str(tmp_path))
    with server:
        run = subprocess.Popen([sys.executable, "-m", "aftaleflow", "remind"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 300
            while len(handler.received) < outbox.SEND_BATCH + 5:  # inside the second batch
                assert run.poll() is None and time.monotonic() < deadline, run.stderr
                time.sleep(0.005)
            os.kill(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
        finally:
            if run.poll() is None:
                run.kill()
        first = Counter(m.message["Message-ID"] for m in handler.received)
        stuck = [o.key for o in list_outbox(ctx, "sending")]
        assert 0 < len(stuck) <= outbox.SEND_BATCH
        clock.current = datetime.now(TIMEZONE) + timedelta(minutes=11)
        report = send_outbox(ctx, SmtpTransport(server.settings()), attachments=None)
        ids = Counter(m.message["Message-ID"] for m in handler.received)
    assert set(ids.values()) == {1}  # nothing twice
    assert sorted(report.uncertain) == sorted(stuck)  # flagged for a person, not resent
    assert len(ids) == len(first) + len(report.sent)
    status = Counter(o.status for o in list_outbox(ctx))
    assert status == {"sent": len(keys) - len(stuck), "uncertain": len(stuck)}


def test_rows_are_claimed_and_marked_a_batch_at_a_time_with_no_lock_while_sending(ctx) -> None:
    _queue(ctx, outbox.SEND_BATCH + 5)
    seen: list[Counter[str]] = []

    def send(mail: QueuedMail) -> None:
        seen.append(Counter(o.status for o in list_outbox(ctx) if o.key.startswith("besked")))
        if mail.key.startswith("besked"):
            with UnitOfWork(ctx) as uow:  # another writer gets in while this one "talks SMTP"
                enqueue(uow, key=f"ny-{mail.key}", kind="rykker", recipients=["a@b.dk"],
                        subject="Ny", body="Tekst")
                uow.commit()

    report = deliver(ctx, send)
    batch = outbox.SEND_BATCH
    assert seen[0] == {"sending": batch, "queued": 5}  # the whole batch claimed at once
    assert seen[batch - 1] == {"sending": batch, "queued": 5}  # none marked before its end
    assert seen[batch] == {"sent": batch, "sending": 5}  # marked together, then the next
    assert len(report.sent) == 2 * (batch + 5)  # the rows queued meanwhile went too


def test_bytes_built_ahead_are_the_bytes_send_message_puts_on_the_wire() -> None:
    from aftaleflow.mail import Attachment, wire_bytes

    mail = OutgoingMail("rykker_1:godkendelse:7:runde:1", ["Herning <kb@herning.dk>"],
                        "1. rykker: godkendelse af 'Børn og unge' – frist i dag",
                        "Til Kommunalbestyrelsen\n\nVi mangler jeres beslutning.\n.\n",
                        [Attachment("brev.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40)])
    at = datetime(2026, 5, 29, 7, 0, tzinfo=TIMEZONE)
    with SmtpTestServer() as server, SmtpSession(server.settings()) as session:
        session.send(mail, sent_at=at)
        ahead = wire_bytes(mail, server.settings(), sent_at=at)
        assert ahead is not None
        session.send(mail, data=ahead)
        built_now, built_ahead = (m.data for m in server.received)
    assert built_ahead == built_now
    assert wire_bytes(OutgoingMail("k", ["kø@herning.dk"], "S", "T"),
                      server.settings()) is None  # SMTPUTF8: built in the dialogue instead


def test_a_shared_attachment_written_from_its_kept_bytes_gives_the_mail_send_message_gives(
) -> None:
    """Several mails carrying the same file: from the second on the part's bytes are the kept
    ones, and every mail is still byte for byte what smtplib's send_message builds."""
    from aftaleflow.mail import Attachment, wire_bytes

    shared = Attachment("anmodning.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 300)
    draft = Attachment("udkast.docx", b"PK\x03\x04" + bytes(reversed(range(256))) * 90,
                       "application/vnd.openxmlformats-officedocument."
                       "wordprocessingml.document")
    mails = [OutgoingMail(f"rykker_1:godkendelse:{n}:runde:1", [f"Kommune {n} <kb{n}@x.dk>"],
                          f"1. rykker nr. {n}", f"Kære kommune {n}\n\nFrist i dag.\n",
                          [shared, draft] if n % 2 else [draft, shared])
             for n in range(4)]
    at = datetime(2026, 5, 29, 7, 0, tzinfo=TIMEZONE)
    with SmtpTestServer() as server, SmtpSession(server.settings()) as session:
        for mail in mails:
            session.send(mail, sent_at=at)
        for mail in mails:
            ahead = wire_bytes(mail, server.settings(), sent_at=at)
            assert ahead is not None
            session.send(mail, data=ahead)
        received = [m.data for m in server.received]
    assert received[4:] == received[:4]
    assert len(set(received)) == 4
