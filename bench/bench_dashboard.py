"""Benchmark: the approval matrix page for 1,000 agreements × 23 parties, server-side.

aftaleflow's time is a whole GET /ui/matrix through the ASGI app in this process (cookie login,
the matrix of all 1,000 agreements filtered, sorted and paged, grouping, HTML of every cell):
the page people open (50 agreements of 1,000) and the whole matrix on one page
(`pr_side=1000`, 23,000 cells). The raw baseline is one `sqlite3` query for all the cells
(agreement, party, state, dates) turned into the same cell texts, without HTML.
Target (issue 14): the matrix page for 1,000 agreements × 23 parties under 300 ms.

    uv run python bench/bench_dashboard.py [--agreements 1000] [--runs 3] [--check]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the clock and factories live with the tests
os.environ.setdefault("AFTALEFLOW_STATE_DIR", tempfile.mkdtemp(prefix="aftaleflow-bench-"))

from fastapi.testclient import TestClient  # noqa: E402

from aftaleflow.api.app import create_app  # noqa: E402
from aftaleflow.db import make_engine  # noqa: E402
from aftaleflow.domain.machines import APPROVAL  # noqa: E402
from aftaleflow.services.access.users import create_user  # noqa: E402
from aftaleflow.services.agreements.cases import (  # noqa: E402
    NewAgreement,
    advance_agreement,
    create_agreement,
)
from aftaleflow.services.structure.masterdata import load_master_data  # noqa: E402
from aftaleflow.services.uow import ServiceContext  # noqa: E402
from tests.factories import MovableClock  # noqa: E402

TARGET_SECONDS = 0.3
STATES = ["afventer", "sat_paa_dagsorden", "godkendt", "godkendt", "udsat", "afventer"]


def build(path: Path, count: int) -> tuple[str, MovableClock]:
    """One Syddanmark agreement (23 parties) through the services, copied to `count` in SQL,
    with the parties' states and dates varied so every kind of cell is rendered."""
    url = f"sqlite:///{path}"
    clock = MovableClock()
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="bench", clock=clock)
    load_master_data(ctx)
    first = create_agreement(ctx, NewAgreement(
        title="Den gode indlæggelse og udskrivelse", kind="regional_samarbejdsaftale",
        origin="ssu_bestilling", region="syddanmark", kle_number="29.30.08-P27-7-26",
        case_handler="Jens Lund Pedersen"))
    advance_agreement(ctx, first.id, "send_til_ssu")
    advance_agreement(ctx, first.id, "indstil_til_godkendelse")
    _user, token = create_user(ctx, "Bench leder", "leder")
    engine.dispose()
    con = sqlite3.connect(path)
    agreement_cols = [r[1] for r in con.execute("PRAGMA table_info(agreement)") if r[1] != "id"]
    approval_cols = [r[1] for r in con.execute("PRAGMA table_info(approval)")
                     if r[1] not in ("id", "agreement_id")]
    cols, acols = ", ".join(agreement_cols), ", ".join(approval_cols)
    for i in range(count - 1):
        new_id = con.execute(f"INSERT INTO agreement ({cols}) SELECT {cols} FROM agreement "
                             "WHERE id = ?", (first.id,)).lastrowid
        con.execute(f"INSERT INTO approval (agreement_id, {acols}) SELECT ?, {acols} "
                    "FROM approval WHERE agreement_id = ?", (new_id, first.id))
        con.execute("UPDATE agreement SET title = title || ' ' || ? WHERE id = ?",
                    (str(i + 2), new_id))
    for n, (approval_id,) in enumerate(con.execute("SELECT id FROM approval").fetchall()):
        state = STATES[n % len(STATES)]
        day = (date(2026, 3, 2) + timedelta(days=n % 90)).isoformat()
        decided = day if state == "godkendt" else None
        met = day if state != "afventer" else None
        con.execute("UPDATE approval SET state = ?, meeting_date = ?, decided_on = ? "
                    "WHERE id = ?", (state, met, decided, approval_id))
    con.commit()
    con.close()
    return token, clock


def raw_cells(path: Path) -> int:
    """The baseline: the same cells straight from sqlite3, as the page's texts."""
    labels = {s.name: s.label for s in APPROVAL.states}
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT a.id, a.title, a.state, b.key, b.name, p.state, p.deadline, p.meeting_date, "
        "p.decided_on FROM agreement a JOIN approval p ON p.agreement_id = a.id "
        "AND p.round_no = a.round_no JOIN body b ON b.id = p.body_id ORDER BY a.id, p.id")
    cells: dict[int, dict[str, str]] = {}
    for aid, _title, _state, key, _name, state, _deadline, met, decided in rows:
        when = decided or met
        text = labels[state]
        if when:
            text += " " + ".".join(reversed(when.split("-")))
        cells.setdefault(aid, {})[key] = text
    con.close()
    return sum(len(c) for c in cells.values())


def timed(action: Callable[[], object], runs: int) -> float:
    action()  # warm caches (templates, statements)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when a page takes {TARGET_SECONDS * 1000:.0f} ms or more")
    args = parser.parse_args(argv)
    path = Path(tempfile.mkdtemp(prefix="aftaleflow-bench-")) / "bench.db"
    start = time.perf_counter()
    token, clock = build(path, args.agreements)
    print(f"database: {args.agreements} agreements × 23 parties "
          f"({time.perf_counter() - start:.1f} s to build)")
    engine = make_engine(f"sqlite:///{path}")
    client = TestClient(create_app(engine, clock))
    client.post("/ui/login", data={"token": token}, follow_redirects=False)

    def page(url: str, cells: int) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            assert response.text.count("<td") == cells, response.text.count("<td")
        return get

    cells = raw_cells(path)
    assert cells == args.agreements * 23, cells
    raw = timed(lambda: raw_cells(path), args.runs)
    shown = min(50, args.agreements)
    pages = [("/ui/matrix", f"page 1 ({shown} of {args.agreements:,} agreements)", shown * 23),
             ("/ui/matrix?pr_side=1000",
              f"all on one page ({min(1000, args.agreements) * 23:,} cells)",
              min(1000, args.agreements) * 23)]
    print(f"raw sqlite3, all {cells:,} cells:{'':<28}{raw * 1000:8.1f} ms")
    met_all = True
    for url, label, count in pages:
        ours = timed(page(url, count), args.runs)
        size = len(client.get(url).content) / 1024
        met = ours < TARGET_SECONDS
        met_all = met_all and met
        print(f"GET {url:<24} {label:<34}{ours * 1000:8.1f} ms  {ours / raw:5.1f}× raw  "
              f"{size:,.0f} kB  target < {TARGET_SECONDS * 1000:.0f} ms: "
              f"{'met' if met else 'NOT met'}")
    engine.dispose()
    return 1 if args.check and not met_all else 0


if __name__ == "__main__":
    raise SystemExit(main())
