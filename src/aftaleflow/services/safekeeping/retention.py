"""Which backups to keep: the newest of each of the last N days and of the last M weeks."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from aftaleflow.config import TIMEZONE
from aftaleflow.services.safekeeping.backup import finished_backups


def to_keep(times: Sequence[datetime], daily: int, weekly: int) -> set[int]:
    """Indexes into `times` to keep: the newest backup of each of the `daily` most recent days
    that have one, and the newest of each of the `weekly` most recent ISO weeks (Danish time)."""
    newest_first = sorted(range(len(times)), key=lambda i: times[i], reverse=True)
    keep: set[int] = set()
    for count, key in ((daily, lambda t: t.date()),
                       (weekly, lambda t: tuple(t.isocalendar())[:2])):
        seen: list[object] = []
        for i in newest_first:
            period = key(times[i].astimezone(TIMEZONE))
            if period in seen:
                continue
            if len(seen) == count:
                break
            seen.append(period)
            keep.add(i)
    return keep


def prune(out_dir: Path, daily: int, weekly: int) -> list[Path]:
    """Remove the finished backups retention does not keep; returns the folders removed.

    Unfinished `.partial` folders are left alone: one may belong to a backup still running.
    """
    backups = finished_backups(out_dir)
    times = [datetime.fromisoformat(str(b.manifest["created_at"])) for b in backups]
    keep = to_keep(times, daily, weekly)
    removed = [b.folder for i, b in enumerate(backups) if i not in keep]
    for folder in removed:
        shutil.rmtree(folder)
    return removed
