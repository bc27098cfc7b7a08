"""daily_reminders: queue the reminders due today, then send the outbox."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import context, parse_day


@task(retries=2, retry_delay_seconds=30)
def queue_due_reminders(today: str | None) -> list[str]:
    from aftaleflow.services.mail.reminders import enqueue_reminders

    queued = enqueue_reminders(context("daily_reminders"), parse_day(today))
    logger = get_run_logger()
    for message in queued:
        logger.info("I kø: %s til %s (%s)", message.kind, message.party, message.key)
    return [m.key for m in queued]


@task(retries=3, retry_delay_seconds=60)
def send_outbox_task(flow_name: str, queued: list[str] | None = None) -> dict[str, list[str]]:
    """Send the outbox; the log says what is left queued and why (`queued`: this flow's keys,
    so those another run sent are accounted for too)."""
    from aftaleflow.services.mail.mailing import send_outbox

    report = send_outbox(context(flow_name), watch=queued or ())
    logger = get_run_logger()
    for key in report.sent:
        logger.info("Sendt: %s", key)
    for key in report.uncertain:
        logger.warning("Usikker, kontrollér og frigiv: %s", key)
    if report.failed:
        logger.warning("Ikke sendt (prøves igen): %s", ", ".join(report.failed))
    for line in report.notes():
        if report.remaining:
            logger.warning(line)
        else:
            logger.info(line)
    return {"sent": report.sent, "failed": report.failed, "uncertain": report.uncertain}


@flow(name="daily_reminders", log_prints=True)
def daily_reminders(today: str | None = None) -> dict[str, list[str]]:
    """Rykkere og eskaleringer for godkendelser, der nærmer sig eller har overskredet fristen."""
    queued = queue_due_reminders(today)
    result = send_outbox_task("daily_reminders", queued)
    return {"queued": queued, **result}
