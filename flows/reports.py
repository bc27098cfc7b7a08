"""weekly_status_report: a summary for managers of who has approved and who is overdue."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import context, parse_day
from flows.reminders import send_outbox_task


@task(retries=2, retry_delay_seconds=30)
def queue_status_report(today: str | None) -> str | None:
    from aftaleflow.services.reading.reports import enqueue_status_report

    key = enqueue_status_report(context("weekly_status_report"), parse_day(today))
    get_run_logger().info("Statusrapport %s", f"i kø: {key}" if key else "var allerede sendt")
    return key


@flow(name="weekly_status_report")
def weekly_status_report(today: str | None = None) -> dict[str, object]:
    """Ugentlig status til ledere: per aftale hvem der har godkendt, og hvem der er forsinket."""
    key = queue_status_report(today)
    return {"queued": key, **send_outbox_task("weekly_status_report")}
