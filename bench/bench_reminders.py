"""Reminder scan over 100,000 open approvals, against a raw SQL query of the same selection.

Run: uv run python bench/bench_reminders.py [--approvals N]
Prints both timings, the ratio and whether the scan meets the target (< 1 s).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from aftaleflow.db import make_engine
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.services.mail.reminders import scan_due_reminders
from aftaleflow.services.structure.masterdata import load_master_data
from aftaleflow.services.uow import ServiceContext

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import best_of

TODAY = date(2026, 6, 1)


def build(path: Path, approvals: int) -> None:
    """Master data through the service; the bulk rows with plain SQL (setup only)."""
    engine = make_engine(f"sqlite:///{path}")
    load_master_data(ServiceContext(engine=engine, actor="bench"))
    engine.dispose()
    conn = sqlite3.connect(path)
    bodies = [r[0] for r in conn.execute(
        "SELECT id FROM body WHERE kind = 'kommunalbestyrelse' LIMIT 23")]
    now = datetime(2026, 3, 2).isoformat(" ")
    agreements = approvals // len(bodies) + 1
    conn.executemany(
        "INSERT INTO agreement (id, title, description, kind, origin, kle_number, case_handler,"
        " region_id, state, round_no, text_version, created_at, updated_at, version)"
        " VALUES (?, ?, '', 'regional_samarbejdsaftale', 'ssu_bestilling', '29.30.08-P27-1-26',"
        " 'Bench', 2, ?, 1, 1, ?, ?, 1)",
        [(i, f"Aftale {i}", "i_godkendelse" if i % 10 else "godkendt", now, now)
         for i in range(1, agreements + 1)])
    rows = []
    for n in range(approvals):
        agreement = n // len(bodies) + 1
        deadline = TODAY + timedelta(days=(n % 90) - 45)
        state = ("afventer", "sat_paa_dagsorden", "godkendt", "udsat")[n % 4]
        rows.append((agreement, bodies[n % len(bodies)], state, deadline.isoformat(), now))
    conn.executemany(
        "INSERT INTO approval (agreement_id, round_no, text_version, body_id, state, deadline,"
        " updated_at, version) VALUES (?, 1, 1, ?, ?, ?, ?, 1)", rows)
    conn.commit()
    conn.close()


def raw_selection(path: Path, latest: date) -> int:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT approval.id, approval.round_no, approval.deadline FROM approval"
        " JOIN agreement ON agreement.id = approval.agreement_id"
        " WHERE agreement.state = 'i_godkendelse' AND approval.round_no = agreement.round_no"
        " AND approval.state IN ('afventer', 'sat_paa_dagsorden', 'udsat')"
        " AND approval.deadline IS NOT NULL AND approval.deadline <= ?",
        (latest.isoformat(),)).fetchall()
    conn.close()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="one JSON line (for run_all.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        build(path, args.approvals)
        policy = load_policy()
        latest = policy.calendar.add_business_days(
            TODAY, policy.reminders.first_reminder_days_before) + timedelta(days=7)
        raw_time, raw_rows = best_of(5, lambda: raw_selection(path, latest))
        engine = make_engine(f"sqlite:///{path}")

        def scan() -> int:
            with Session(engine) as session:
                return len(scan_due_reminders(session, TODAY))

        scan_time, due = best_of(5, scan)
        engine.dispose()
    ratio = scan_time / raw_time
    if args.json:  # one line for run_all.py: the figure, its baseline and target
        print(json.dumps({"name": f"SQLite: reminder scan over {args.approvals:,} approvals",
                          "figure": scan_time * 1e3, "baseline": raw_time * 1e3, "unit": "ms",
                          "target": "< 1 s", "met": scan_time < 1,
                          "note": f"{due:,} reminders due (raw {raw_rows:,} rows)"}))
        return
    print(f"open approvals in table      {args.approvals:>10,}")
    print(f"raw SQL selection            {raw_time * 1000:>10.1f} ms  ({raw_rows:,} rows)")
    print(f"aftaleflow reminder scan     {scan_time * 1000:>10.1f} ms  ({due:,} reminders due)")
    print(f"ratio scan / raw             {ratio:>10.2f}x")
    print(f"target < 1 s                 {'met' if scan_time < 1 else 'NOT met':>10}")


if __name__ == "__main__":
    main()
