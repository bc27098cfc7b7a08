"""structure_carry_over: on the day a structure change takes effect (as master data says),
carry open cases over to the successors and mail the manager the report."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import context, parse_day
from flows.reminders import send_outbox_task


@task(retries=2, retry_delay_seconds=60)
def carry_over_task(today: str | None) -> list[str]:
    from aftaleflow.services.structure.carryover import carry_over_and_report

    queued = carry_over_and_report(context("structure_carry_over"), parse_day(today))
    logger = get_run_logger()
    for key in queued:
        logger.info("Overførsel udført; rapport til lederen i kø: %s", key)
    if not queued:
        logger.info("Ingen åbne sager at overføre i dag")
    return queued


@flow(name="structure_carry_over")
def structure_carry_over(today: str | None = None) -> dict[str, object]:
    """Overfør åbne sager til efterfølgerne, når en strukturændring i stamdata træder i kraft."""
    queued = carry_over_task(today)
    return {"queued": queued, **send_outbox_task("structure_carry_over")}
