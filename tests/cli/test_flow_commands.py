"""`aftaleflow remind --dry-run` and `aftaleflow serve` as a user runs them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.cli.test_cli import env_for, run
from tests.factories import agreement_in_state


def test_remind_dry_run_prints_todays_plan_and_sends_nothing(ctx, db_url, tmp_path) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    deadline = min(a.deadline for a in view.approvals if a.deadline)
    env = env_for(db_url, AFTALEFLOW_STATE_DIR=str(tmp_path))
    result = run(["remind", "--dry-run", "--today", deadline.isoformat()], env)
    assert result.returncode == 0, result.stderr
    assert "rykker_2" in result.stdout and "Kolding" in result.stdout
    assert "12 besked(er) ville blive sendt" in result.stdout
    assert not (tmp_path / "outbox").exists()
    sent = run(["remind", "--today", deadline.isoformat()], env)
    assert "12 i kø; 12 sendt" in sent.stdout
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 12
    listed = run(["outbox", "list", "--status", "sent"], env)
    assert listed.stdout.count("Sendt") == 12


def test_serve_lists_its_deployments_with_schedules(db_url, tmp_path) -> None:
    env = env_for(db_url, PREFECT_HOME=str(tmp_path / "prefect"))
    proc = subprocess.Popen([sys.executable, "-m", "aftaleflow", "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(lines) < 5:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break
            lines.append(line)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    text = "".join(lines)
    assert "Europe/Copenhagen" in text
    for name in ("daily_reminders/daglige-rykkere", "weekly_status_report/ugentlig-status",
                 "start_approval_round_letters", "prepare_meeting_documents"):
        assert name in text
    assert "0 7 * * 1-5" in text
