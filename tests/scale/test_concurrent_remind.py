"""Two `aftaleflow remind` runs started at the same moment, as two processes on one database:
both exit 0, each reminder is queued once and reaches a real SMTP server (aiosmtpd) once, and
each run's summary accounts for every message it queued.

Runs on the test backend (SQLite by default; PostgreSQL with AFTALEFLOW_TEST_DATABASE=postgresql).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.outbox import SENT, OutboxMessage
from aftaleflow.services.uow import ServiceContext
from tests.factories import agreement_in_state
from tests.smtp_server import RecordingHandler, SmtpTestServer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class SlowHandler(RecordingHandler):
    """Takes a few milliseconds per mail, like a real relay, so the two runs overlap."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.03)
        return await super().handle_DATA(server, session, envelope)


def start_remind(db_url: str, smtp: SmtpTestServer, name: str, day: date,
                 state: Path, **extra: str) -> subprocess.Popen[str]:
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=db_url, AFTALEFLOW_SMTP_HOST="127.0.0.1",
               AFTALEFLOW_SMTP_PORT=str(smtp.port), AFTALEFLOW_ACTOR=name,
               AFTALEFLOW_STATE_DIR=str(state), **extra)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scale.remind_process", "--today", day.isoformat()],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def run_together(db_url: str, smtp: SmtpTestServer, day: date, state: Path,
                 **extra: str) -> list[tuple[int, str, str]]:
    """Start two remind runs, release them at the same moment, return (rc, out, err) each."""
    runs = [start_remind(db_url, smtp, f"remind-{i}", day, state / str(i), **extra)
            for i in (1, 2)]
    try:
        for p in runs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in runs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        results = []
        for p in runs:
            out, err = p.communicate(timeout=600)
            results.append((p.returncode, out, err))
        return results
    finally:
        for p in runs:
            p.kill()


def due_day(ctx: ServiceContext, agreements: int) -> date:
    """Open rounds whose deadline is the returned day: rykker 1 and 2 are due on it."""
    views = [agreement_in_state(ctx, "i_godkendelse") for _ in range(agreements)]
    (deadline,) = {a.deadline for v in views for a in v.approvals
                   if a.body_kind == "kommunalbestyrelse"}
    assert deadline is not None
    return deadline


def summary(out: str) -> tuple[int, int]:
    """(queued, sent) from a run's first line: "24 i kø; 11 sendt, 0 ikke sendt, 0 usikre." """
    found = re.search(r"(\d+) i kø; (\d+) sendt", out)
    assert found, out
    return int(found.group(1)), int(found.group(2))


def test_two_remind_runs_started_together_both_succeed_and_send_each_reminder_once(
        ctx: ServiceContext, db_url: str, tmp_path: Path) -> None:
    day = due_day(ctx, 2)  # 2 agreements x 6 councils x (rykker 1 + rykker 2) = 24
    smtp = SmtpTestServer()
    smtp.handler = SlowHandler(frozenset(), None)
    with smtp:
        results = run_together(db_url, smtp, day, tmp_path)
        received = Counter(m.message["Message-ID"] for m in smtp.received)

    for rc, out, err in results:
        assert rc == 0, out + err
        assert "duplicate key" not in err and "Traceback" not in err, err
    with Session(ctx.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert len(rows) == 24
    assert {r.status for r in rows} == {SENT}
    assert len(received) == 24 and set(received.values()) == {1}  # each reminder once
    counts = [summary(out) for _, out, _ in results]
    assert sum(q for q, _ in counts) == 24  # each queued by one run ...
    assert sum(s for _, s in counts) == 24  # ... and sent by one
    for (queued, sent), (_, out, _) in zip(counts, results, strict=True):
        # a run that queued more than it sent says where the rest is: nothing left behind
        assert "tilbage i kø" not in out, out
        elsewhere = re.search(r"(\d+) af de beskeder, denne kørsel satte i kø, blev sendt af "
                              r"en anden kørsel samtidig", out)
        in_flight = re.search(r"(\d+) sendes lige nu af en anden kørsel", out)
        accounted = sum(int(m.group(1)) for m in (elsewhere, in_flight) if m)
        assert queued <= sent + accounted, out


def test_a_run_that_reaches_the_batch_size_says_how_many_remain_and_why(
        ctx: ServiceContext, db_url: str, tmp_path: Path) -> None:
    day = due_day(ctx, 1)  # 12 reminders
    with SmtpTestServer() as smtp:
        env = dict(os.environ, AFTALEFLOW_DATABASE_URL=db_url,
                   AFTALEFLOW_SMTP_HOST="127.0.0.1", AFTALEFLOW_SMTP_PORT=str(smtp.port),
                   AFTALEFLOW_STATE_DIR=str(tmp_path), AFTALEFLOW_OUTBOX_BATCH_SIZE="5")
        first = subprocess.run([sys.executable, "-m", "aftaleflow", "remind", "--today",
                                day.isoformat()], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=600)
        assert first.returncode == 0, first.stderr
        assert "12 i kø; 5 sendt" in first.stdout
        assert "7 ligger tilbage i kø" in first.stdout
        assert "AFTALEFLOW_OUTBOX_BATCH_SIZE=5" in first.stdout
        assert len(smtp.received) == 5
        rest = subprocess.run([sys.executable, "-m", "aftaleflow", "remind", "--today",
                               day.isoformat()], cwd=ROOT, env=dict(
                                   env, AFTALEFLOW_OUTBOX_BATCH_SIZE="100"),
                              capture_output=True, text=True, timeout=600)
        assert rest.returncode == 0, rest.stderr
        assert "0 i kø; 7 sendt" in rest.stdout
        assert "tilbage i kø" not in rest.stdout
        assert len(smtp.received) == 12
