"""Concurrent writers: one wins, the other gets a conflict; the audit chain never forks."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from sqlmodel import Session, func, select

from aftaleflow.domain.errors import Conflict
from aftaleflow.domain.model import AuditEvent
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement
from aftaleflow.services.auditing import verify_chain
from tests import workers
from tests.factories import new_agreement


def test_two_threads_with_the_same_version_one_wins_one_conflicts(ctx, engine) -> None:
    agreement = new_agreement(ctx)
    barrier = threading.Barrier(2)

    def attempt(trigger: str) -> str:
        barrier.wait(timeout=10)
        try:
            advance_agreement(ctx, agreement.id, trigger, expected_version=agreement.version,
                              comment="Begrundet")
        except Conflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(attempt, ["send_til_ssu", "tilbagetraek"]))
    assert results == ["conflict", "ok"]
    final = get_agreement(ctx, agreement.id)
    assert final.state in ("til_behandling_i_ssu", "tilbagetrukket")
    with Session(engine) as s:  # exactly one audit event besides 'opret'
        count = s.exec(select(func.count()).select_from(AuditEvent)
                       .where(AuditEvent.agreement_id == agreement.id)).one()
    assert count == 2
    assert verify_chain(ctx).ok


def test_two_processes_with_the_same_version_one_wins_one_conflicts(ctx, db_url) -> None:
    agreement = new_agreement(ctx)
    url = db_url
    mp = multiprocessing.get_context("spawn")
    with mp.Manager() as manager:
        barrier = manager.Barrier(2)
        with ProcessPoolExecutor(2, mp_context=mp) as pool:
            futures = [pool.submit(workers.advance_with_version, url, agreement.id, trigger,
                                   agreement.version, barrier)
                       for trigger in ("send_til_ssu", "tilbagetraek")]
            results = sorted(f.result(timeout=120) for f in futures)
    assert results == ["conflict", "ok"]
    assert verify_chain(ctx).ok


def test_four_processes_appending_concurrently_keep_one_unbroken_chain(ctx, db_url) -> None:
    ids = [new_agreement(ctx).id for _ in range(4)]
    url = db_url
    mp = multiprocessing.get_context("spawn")
    with mp.Manager() as manager:
        barrier = manager.Barrier(4)
        with ProcessPoolExecutor(4, mp_context=mp) as pool:
            futures = [pool.submit(workers.churn, url, i, 25, barrier) for i in ids]
            done = sum(f.result(timeout=300) for f in futures)
    assert done == 200
    report = verify_chain(ctx)
    assert report.ok, report
    assert report.events >= 200 + 4
