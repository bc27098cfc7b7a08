"""Two outbox senders in separate processes on one PostgreSQL database: each mail once.

This is the production layout of deploy/ (two `prefect worker` processes running the same
deployments): both may run the letter flow at the same minute. A real SMTP server on
127.0.0.1 (aiosmtpd) counts what arrives.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.outbox import SENT, OutboxMessage
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.mail.reminders import enqueue_round_letters
from aftaleflow.services.uow import ServiceContext
from tests.conftest import BACKEND
from tests.factories import PATHS, Spec, new_agreement
from tests.smtp_server import RecordingHandler, SmtpTestServer

ROOT = Path(__file__).resolve().parents[2]
REGIONAL_SYD = Spec(kind="regional_samarbejdsaftale", region="syddanmark", cluster=None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason=(
        "several processes on one shared database server: runs on PostgreSQL only "
        "(AFTALEFLOW_TEST_DATABASE=postgresql, CI's second run)")),
]


class SlowHandler(RecordingHandler):
    """Takes a few milliseconds per mail, like a real relay, so the two senders overlap."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.03)
        return await super().handle_DATA(server, session, envelope)


def start_sender(url: str, name: str, smtp: SmtpTestServer) -> subprocess.Popen[str]:
    env = dict(os.environ, AFTALEFLOW_SMTP_HOST="127.0.0.1",
               AFTALEFLOW_SMTP_PORT=str(smtp.port), AFTALEFLOW_ACTOR=name)
    return subprocess.Popen([sys.executable, "-m", "tests.scale.outbox_sender", url, name],
                            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def test_two_sender_processes_send_every_outbox_message_exactly_once(
        ctx: ServiceContext, db_url: str) -> None:
    for _ in range(3):  # three rounds of 23 parties: one letter to each party
        view = new_agreement(ctx, REGIONAL_SYD)
        for trigger in PATHS["i_godkendelse"]:
            advance_agreement(ctx, view.id, trigger)
    keys = enqueue_round_letters(ctx)
    assert len(keys) >= 60

    smtp = SmtpTestServer()
    smtp.handler = SlowHandler(frozenset(), None)
    with smtp:
        senders = [start_sender(db_url, f"sender-{i}", smtp) for i in (1, 2)]
        try:
            for p in senders:
                assert p.stdout is not None and p.stdout.readline().strip() == "ready"
            for p in senders:  # both start delivering at the same moment
                assert p.stdin is not None
                p.stdin.write("go\n")
                p.stdin.flush()
            reports = []
            for p in senders:
                out, _ = p.communicate(timeout=240)
                assert p.returncode == 0
                reports.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for p in senders:
                p.kill()
        received = [m.message["Message-ID"] for m in smtp.received]

    assert all(r["failed"] == [] and r["uncertain"] == [] for r in reports)
    sent_by = [r["sent"] for r in reports]
    assert all(sent_by), "one sender did everything: the two never ran side by side"
    assert Counter(sent_by[0] + sent_by[1]) == Counter(keys)  # each key by exactly one sender
    assert len(received) == len(set(received)) == len(keys)  # the SMTP server got each once
    with Session(ctx.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert sorted(r.key for r in rows) == sorted(keys)
    assert {r.status for r in rows} == {SENT}
