"""start_approval_round_letters: an anmodning om godkendelse to every party of a new round."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import context
from flows.reminders import send_outbox_task


@task(retries=2, retry_delay_seconds=30)
def queue_round_letters() -> list[str]:
    from aftaleflow.services.mail.reminders import enqueue_round_letters

    keys = enqueue_round_letters(context("start_approval_round_letters"))
    get_run_logger().info("%d anmodninger om godkendelse i kø", len(keys))
    return keys


@flow(name="start_approval_round_letters")
def start_approval_round_letters() -> dict[str, list[str]]:
    """Anmodning om godkendelse til hver part, når en aftale går i godkendelse (én gang)."""
    queued = queue_round_letters()
    return {"queued": queued, **send_outbox_task("start_approval_round_letters")}
