"""kill -9 in the middle of a batch of transitions leaves every agreement whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlmodel import Session, col, select

from aftaleflow.config import PROJECT_ROOT
from aftaleflow.domain.model import Agreement, Approval, AuditEvent
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.uow import ServiceContext
from tests.factories import agreement_in_state, new_agreement


def _run_and_kill(url: str, ids: list[int], committed: int) -> int:
    """Start the batch, SIGKILL it once `committed` calls have committed; return that count."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.batch_worker", url, *map(str, ids)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = 0
    try:
        assert proc.stdout is not None
        for _line in proc.stdout:
            seen += 1
            if seen >= committed:
                break
        os.kill(proc.pid, signal.SIGKILL)  # mid-way: the next call is already running
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert seen >= committed, proc.stderr.read() if proc.stderr else ""
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("committed", [7, 23, 40])
def test_sigkill_mid_batch_leaves_no_half_written_agreement(ctx: ServiceContext,
                                                            db_url: str, committed: int) -> None:
    parties = agreement_in_state(ctx, "i_godkendelse").approvals_total  # per the round rules
    ids = [new_agreement(ctx).id for _ in range(4)]
    done = _run_and_kill(db_url, ids, committed)
    with Session(ctx.engine) as session:
        for agreement in session.exec(select(Agreement).where(col(Agreement.id).in_(ids))):
            last = session.exec(select(AuditEvent).where(
                AuditEvent.agreement_id == agreement.id, AuditEvent.entity == "agreement")
                .order_by(col(AuditEvent.id).desc())).first()
            assert last is not None and last.to_state == agreement.state, agreement.id
            rounds = Counter(a.round_no for a in session.exec(
                select(Approval).where(Approval.agreement_id == agreement.id)))
            assert sorted(rounds) == list(range(1, agreement.round_no + 1))
            assert set(rounds.values()) <= {parties}
        batch_events = session.exec(select(AuditEvent).where(AuditEvent.actor == "batch")).all()
    assert len(batch_events) >= done  # every committed call kept its event
    report = verify_chain(ctx)
    assert report.ok, report
