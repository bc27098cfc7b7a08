"""nightly_safekeeping: sign the audit chain's head, back up, check the backup by restoring it,
keep 7 daily and 4 weekly backups (AFTALEFLOW_BACKUP_KEEP_DAILY/_WEEKLY), and mail the manager
when the backup or its restore check fails."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import context
from flows.reminders import send_outbox_task


@task
def safekeeping_task(out_dir: str | None) -> dict[str, object]:
    from pathlib import Path

    from aftaleflow.services.safekeeping.nightly import nightly_safekeeping

    report = nightly_safekeeping(context("nightly_safekeeping"),
                                 Path(out_dir) if out_dir else None)
    logger = get_run_logger()
    if report.checkpoint:
        logger.info("Kontrolpunkt: %s", report.checkpoint.path)
    if report.backup:
        logger.info("Sikkerhedskopi: %s (kontrolleret ved gendannelse: %s)",
                    report.backup.folder, "ja" if report.restore_checked else "nej")
    for folder in report.removed:
        logger.info("Fjernet efter opbevaringsreglen: %s", folder)
    for problem in report.problems:
        logger.error(problem)
    return {"ok": report.ok, "problems": report.problems,
            "backup": str(report.backup.folder) if report.backup else None,
            "checkpoint": str(report.checkpoint.path) if report.checkpoint else None,
            "removed": [str(f) for f in report.removed]}


@flow(name="nightly_safekeeping")
def nightly_safekeeping(out_dir: str | None = None) -> dict[str, object]:
    """Natlig sikkerhedskopi med kontrolpunkt, gendannelseskontrol og opbevaringsregel."""
    result = safekeeping_task(out_dir)
    mail = send_outbox_task("nightly_safekeeping")
    if not result["ok"]:  # the manager has the mail; the run shows as failed in Prefect
        raise RuntimeError("; ".join(map(str, result["problems"])))  # type: ignore[call-overload]
    return {**result, **mail}
