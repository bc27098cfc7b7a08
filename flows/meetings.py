"""prepare_meeting_documents: render the dagsorden when a meeting's send deadline is near."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import context, parse_day


@task(retries=2, retry_delay_seconds=60)
def render_due_agendas(today: str | None) -> list[str]:
    from aftaleflow.services.meetings.agenda_documents import prepare_due_agendas

    stored = prepare_due_agendas(context("prepare_meeting_documents"), parse_day(today))
    logger = get_run_logger()
    for path in stored:
        logger.info("Dagsorden dannet: %s", path)
    return stored


@flow(name="prepare_meeting_documents")
def prepare_meeting_documents(today: str | None = None) -> list[str]:
    """Dagsorden (åben og offentlig udgave) for møder, hvis udsendelsesfrist er inden for to
    hverdage og som endnu ikke har en."""
    return render_due_agendas(today)
