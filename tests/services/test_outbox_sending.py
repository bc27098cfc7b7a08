"""A message claimed by a process that died: listable as `sending`, with the moment it will be
marked uncertain; the reclaim window is a setting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.services.mail.outbox import deliver, enqueue, list_outbox
from aftaleflow.services.uow import UnitOfWork
from tests.cli.test_cli import env_for, run


class ProcessDied(BaseException):
    """Stands for SIGKILL between the claim and the SMTP answer."""


def _die(_mail: object) -> None:
    raise ProcessDied


def _stuck_message(ctx) -> None:
    with UnitOfWork(ctx) as uow:
        enqueue(uow, key="rykker-1", kind="rykker", recipients=["kb@herning.dk"],
                subject="Rykker", body="Husk beslutningen.")
        uow.commit()
    with pytest.raises(ProcessDied):
        deliver(ctx, _die)


def test_a_stuck_message_is_listed_as_sending_with_when_it_becomes_uncertain(
        ctx, clock, monkeypatch) -> None:
    monkeypatch.setenv("AFTALEFLOW_OUTBOX_RECLAIM_MINUTES", "3")
    claimed_at = ctx.now()
    _stuck_message(ctx)
    [row] = list_outbox(ctx, "sending")
    assert row.status_label == "Sendes"
    assert row.uncertain_after == claimed_at + timedelta(minutes=3)
    clock.current += timedelta(minutes=2)
    assert deliver(ctx, _die).uncertain == []  # still within the window: left alone
    assert [r.key for r in list_outbox(ctx, "sending")] == ["rykker-1"]
    clock.current += timedelta(minutes=1, seconds=1)
    assert deliver(ctx, _die).uncertain == ["rykker-1"]
    assert list_outbox(ctx, "sending") == []
    [row] = list_outbox(ctx, "uncertain")
    assert row.uncertain_after is None


def test_the_default_reclaim_window_is_ten_minutes(ctx) -> None:
    claimed_at = ctx.now()
    _stuck_message(ctx)
    assert list_outbox(ctx, "sending")[0].uncertain_after == claimed_at + timedelta(minutes=10)


def test_an_unknown_status_is_refused_in_danish(ctx) -> None:
    with pytest.raises(ValidationFailed, match="Mulige: queued, sending, sent"):
        list_outbox(ctx, "afsendt")


def test_cli_lists_sending_and_says_when_it_becomes_uncertain(ctx, db_url) -> None:
    _stuck_message(ctx)
    result = run(["outbox", "list", "--status", "sending"], env_for(db_url))
    assert result.returncode == 0, result.stderr
    assert "Sendes" in result.stdout and "markeres beskeden usikker" in result.stdout
    assert f"{ctx.now() + timedelta(minutes=10):%d.%m.%Y %H:%M}" in result.stdout
    wrong = run(["outbox", "list", "--status", "afsendt"], env_for(db_url))
    assert wrong.returncode == 2 and "Ukendt status" in wrong.stderr
