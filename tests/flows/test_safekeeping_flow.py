"""The nightly safekeeping flow: checkpoint, backup, restore check, retention; a mail when the
backup fails."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from aftaleflow.config import TIMEZONE
from aftaleflow.services.safekeeping.backup import finished_backups
from aftaleflow.services.safekeeping.keys import ensure_key_pair
from aftaleflow.services.safekeeping.retention import to_keep
from flows.safekeeping import nightly_safekeeping
from tests.factories import agreement_in_state
from tests.smtp_server import SmtpTestServer


def _old_backup(out: Path, when: datetime) -> None:
    folder = out / f"aftaleflow-{when:%Y%m%dT%H%M%S}Z"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"created_at": when.isoformat(),
                                                      "file": "aftaleflow.sqlite"}))


def test_nightly_flow_checkpoints_backs_up_checks_the_restore_and_keeps_what_retention_says(
        prefect_harness, flow_env, ctx, clock, tmp_path, monkeypatch) -> None:
    ensure_key_pair(clock())
    agreement_in_state(ctx, "i_godkendelse")
    out = tmp_path / "backups"
    for days in range(1, 30):  # a month of earlier nightly backups
        _old_backup(out, clock() - timedelta(days=days))
    monkeypatch.setenv("AFTALEFLOW_BACKUP_KEEP_DAILY", "3")
    monkeypatch.setenv("AFTALEFLOW_BACKUP_KEEP_WEEKLY", "2")
    with SmtpTestServer() as server:
        settings = server.settings()
        monkeypatch.setenv("AFTALEFLOW_SMTP_HOST", settings.host)
        monkeypatch.setenv("AFTALEFLOW_SMTP_PORT", str(settings.port))
        result = nightly_safekeeping(out_dir=str(out))
        received = server.received
    assert result["ok"] and result["problems"] == []
    kept = finished_backups(out)
    assert str(kept[-1].folder) == result["backup"]
    assert (kept[-1].folder / "checkpoints" / Path(str(result["checkpoint"])).name).exists()
    days = {b.manifest["created_at"][:10] for b in kept}
    assert len(kept) == len(days) <= 3 + 2 and len(result["removed"]) == 30 - len(kept)
    # the checkpoint went to the manager; nothing failed, so no failure mail
    assert [r.message["Subject"].split(":")[0] for r in received] == [
        "Kontrolpunkt for revisionssporet"]


def test_nightly_flow_mails_the_manager_when_the_backup_fails(
        prefect_harness, flow_env, ctx, clock, tmp_path, monkeypatch) -> None:
    ensure_key_pair(clock())
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    with SmtpTestServer() as server:
        settings = server.settings()
        monkeypatch.setenv("AFTALEFLOW_SMTP_HOST", settings.host)
        monkeypatch.setenv("AFTALEFLOW_SMTP_PORT", str(settings.port))
        with pytest.raises(RuntimeError, match="Sikkerhedskopien mislykkedes"):
            nightly_safekeeping(out_dir=str(blocked / "backups"))
        received = server.received
    failure = [r.message for r in received if "fejlede" in r.message["Subject"]]
    assert len(failure) == 1 and failure[0]["To"] == "leder@aftaleflow.test"
    body = failure[0].get_body(("plain",)).get_content()
    assert "Sikkerhedskopien mislykkedes: Kan ikke skrive i" in body


def test_retention_keeps_the_newest_of_each_recent_day_and_week() -> None:
    start = datetime(2026, 12, 6, 1, 30, tzinfo=TIMEZONE)  # a Sunday
    times = [start - timedelta(days=d) for d in range(60)]
    times += [start - timedelta(hours=1)]  # an earlier backup on the newest day
    keep = {times[i] for i in to_keep(times, daily=7, weekly=4)}
    assert start - timedelta(hours=1) not in keep  # the newest of that day is kept, not both
    daily = {start - timedelta(days=d) for d in range(7)}
    weekly = {start - timedelta(days=d) for d in (7, 14, 21)}  # Sundays of the weeks before
    assert keep == daily | weekly
