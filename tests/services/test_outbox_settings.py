"""The outbox's settings are honoured or refused with a message, never silently replaced by
the default; a key queued twice counts as already queued; a run says what it left queued."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.outbox import OutboxMessage
from aftaleflow.services.mail.outbox import deliver, enqueue, list_outbox, reclaim_window
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from tests.cli.test_cli import env_for, run
from tests.conftest import dump
from tests.factories import agreement_in_state


def _queue(ctx: ServiceContext, *keys: str) -> list[bool]:
    with UnitOfWork(ctx) as uow:
        added = [enqueue(uow, key=k, kind="rykker_1", recipients=["kb@herning.dk"],
                         subject="Rykker", body="Husk beslutningen.") for k in keys]
        uow.commit()
    return added


@pytest.mark.parametrize("value", ["0", "-5", "ti", "100000"])
def test_a_reclaim_window_that_is_not_a_whole_number_from_1_is_refused(
        ctx, monkeypatch, value) -> None:
    monkeypatch.setenv("AFTALEFLOW_OUTBOX_RECLAIM_MINUTES", value)
    _queue(ctx, "rykker-1")
    with pytest.raises(ValidationFailed, match=r"AFTALEFLOW_OUTBOX_RECLAIM_MINUTES=.* kan ikke"):
        reclaim_window()
    with pytest.raises(ValidationFailed, match="helt antal minutter fra 1 til 99999"):
        deliver(ctx, lambda mail: None)
    assert [r.status for r in list_outbox(ctx)] == ["queued"]  # nothing claimed


def test_a_reclaim_window_of_one_minute_is_honoured(ctx, monkeypatch) -> None:
    monkeypatch.setenv("AFTALEFLOW_OUTBOX_RECLAIM_MINUTES", "1")
    assert reclaim_window() == timedelta(minutes=1)


def test_remind_refuses_a_zero_reclaim_window_before_queueing_anything(ctx, db_url) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    deadline = min(a.deadline for a in view.approvals if a.deadline)
    before = dump(ctx.engine)
    result = run(["remind", "--today", deadline.isoformat()],
                 env_for(db_url, AFTALEFLOW_OUTBOX_RECLAIM_MINUTES="0"))
    assert result.returncode == 2, result.stderr
    assert "AFTALEFLOW_OUTBOX_RECLAIM_MINUTES=0 kan ikke bruges" in result.stderr
    assert "Traceback" not in result.stderr
    assert dump(ctx.engine) == before


def test_queueing_a_key_that_exists_is_already_queued_not_an_error(ctx) -> None:
    assert _queue(ctx, "rykker-1", "rykker-2") == [True, True]
    assert _queue(ctx, "rykker-2", "rykker-3") == [False, True]
    with Session(ctx.engine) as session:
        keys = session.exec(select(OutboxMessage.key).order_by(OutboxMessage.key)).all()
    assert keys == ["rykker-1", "rykker-2", "rykker-3"]


def test_a_run_stopped_by_the_batch_size_reports_what_remains_and_why(ctx, monkeypatch) -> None:
    monkeypatch.setenv("AFTALEFLOW_OUTBOX_BATCH_SIZE", "2")
    _queue(ctx, "a", "b", "c", "d", "e")
    report = deliver(ctx, lambda mail: None, watch=["a", "b", "c", "d", "e"])
    assert report.sent == ["a", "b"] and report.remaining == 3
    assert report.notes() == ["3 ligger tilbage i kø: en kørsel sender højst 2 beskeder "
                              "(AFTALEFLOW_OUTBOX_BATCH_SIZE=2); næste kørsel sender resten."]
    monkeypatch.delenv("AFTALEFLOW_OUTBOX_BATCH_SIZE")
    rest = deliver(ctx, lambda mail: None)
    assert rest.sent == ["c", "d", "e"] and rest.remaining == 0 and rest.notes() == []


def test_a_run_stopped_by_a_failing_mail_server_says_so(ctx) -> None:
    from aftaleflow.services.mail.outbox import DeliveryFailed

    _queue(ctx, "a", "b", "c")

    def refuse(_mail: object) -> None:
        raise DeliveryFailed("421 Prøv igen senere")

    report = deliver(ctx, refuse)
    assert report.failed == ["a"] and report.remaining == 3
    assert report.notes() == ["3 ligger tilbage i kø: afsendelsen stoppede, fordi mailserveren "
                              "fejlede (421 Prøv igen senere); næste kørsel prøver igen."]


def test_a_run_counts_what_another_run_sent_of_what_it_queued(ctx) -> None:
    _queue(ctx, "a", "b", "c")
    deliver(ctx, lambda mail: None)  # "another run" sends all three
    report = deliver(ctx, lambda mail: None, watch=["a", "b", "c"])
    assert report.sent == [] and report.sent_elsewhere == 3
    assert report.notes() == ["3 af de beskeder, denne kørsel satte i kø, blev sendt af en "
                              "anden kørsel samtidig."]


@pytest.mark.parametrize("value", ["0", "mange"])
def test_a_batch_size_that_is_not_a_whole_number_from_1_is_refused(
        ctx, monkeypatch, value) -> None:
    monkeypatch.setenv("AFTALEFLOW_OUTBOX_BATCH_SIZE", value)
    _queue(ctx, "a")
    with pytest.raises(ValidationFailed, match=r"AFTALEFLOW_OUTBOX_BATCH_SIZE=.* kan ikke"):
        deliver(ctx, lambda mail: None)
    assert [r.status for r in list_outbox(ctx)] == ["queued"]
