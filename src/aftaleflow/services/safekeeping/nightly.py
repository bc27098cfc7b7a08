"""What the nightly flow runs: checkpoint, backup, restore check, retention; a mail on failure.

Each step is a service of its own; this one runs them in order and, when a backup or its
restore check fails, queues one mail to the manager (through the outbox, so it is sent once).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from aftaleflow.config import get_settings
from aftaleflow.db import is_sqlite
from aftaleflow.domain.errors import DomainError
from aftaleflow.services.mail.outbox import enqueue
from aftaleflow.services.safekeeping.backup import Backup, finished_backups, make_backup
from aftaleflow.services.safekeeping.checkpoints import Written, make_checkpoint
from aftaleflow.services.safekeeping.restore import check_backup, read_manifest
from aftaleflow.services.safekeeping.retention import prune
from aftaleflow.services.uow import ServiceContext, UnitOfWork

FAILURE_MAIL = "backup_failed"


@dataclass
class NightlyReport:
    checkpoint: Written | None = None
    backup: Backup | None = None
    restore_checked: bool = False
    removed: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    mail_queued: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _message(exc: BaseException) -> str:
    return exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"


def _scratch_url(ctx: ServiceContext, folder: Path) -> str:
    if is_sqlite(ctx.engine):
        return f"sqlite:///{folder / 'restore-check.db'}"
    url = ctx.engine.url
    return url.set(database=f"{(url.database or 'aftaleflow')[:30]}_restore_check"
                   ).render_as_string(hide_password=False)


def nightly_safekeeping(ctx: ServiceContext, out_dir: Path | None = None) -> NightlyReport:
    settings = get_settings()
    report = NightlyReport()
    try:
        report.checkpoint = make_checkpoint(ctx)
    except Exception as exc:
        report.problems.append(f"Kontrolpunktet kunne ikke laves: {_message(exc)}")
    try:
        report.backup = make_backup(ctx, out_dir or settings.backup_dir)
    except Exception as exc:
        report.problems.append(f"Sikkerhedskopien mislykkedes: {_message(exc)}")
    if report.backup is not None:
        try:
            with tempfile.TemporaryDirectory(prefix="aftaleflow-restore-check-") as scratch:
                check_backup(report.backup.data_file, _scratch_url(ctx, Path(scratch)))
            report.restore_checked = True
        except Exception as exc:
            report.problems.append(f"Kontrollen af sikkerhedskopien {report.backup.folder.name} "
                                   f"(gendannelse) mislykkedes: {_message(exc)}")
        report.removed = prune(report.backup.folder.parent, settings.backup_keep_daily,
                               settings.backup_keep_weekly)
        report.problems += _damaged_kept_backups(report.backup)
    if report.problems:
        report.mail_queued = _mail_manager(ctx, report)
    return report


def _damaged_kept_backups(new: Backup) -> list[str]:
    """The older backups retention keeps, each checked against its manifest (size, sha256):
    a copy that rotted on disk is found the night it happens, not the day it is needed."""
    problems = []
    for kept in finished_backups(new.folder.parent):
        if kept.folder == new.folder:
            continue
        try:
            read_manifest(kept.data_file)
        except DomainError as exc:
            problems.append(f"Den gemte sikkerhedskopi {kept.folder.name} kan ikke bruges: "
                            f"{exc.message}")
    return problems


def _mail_manager(ctx: ServiceContext, report: NightlyReport) -> bool:
    day = ctx.now().date().isoformat()
    body = "\n".join(["Den natlige sikkerhedskopiering gik ikke som den skulle:", "",
                      *(f"- {p}" for p in report.problems), "",
                      "Se Prefects log for kørslen, og kør evt. 'aftaleflow backup -o MAPPE' "
                      "i hånden.", "", "Venlig hilsen", "aftaleflow"])
    with UnitOfWork(ctx) as uow:
        queued = enqueue(uow, key=f"{FAILURE_MAIL}:{day}:{len(report.problems)}",
                         kind=FAILURE_MAIL, recipients=[get_settings().manager_email],
                         subject=f"Sikkerhedskopien {day} fejlede", body=body)
        uow.commit()
    return queued


def url_label(url: str) -> str:
    """A URL as it may be printed (no password)."""
    return make_url(url).render_as_string(hide_password=True)
