"""A reminder day: N regional rounds of 23 parties past their deadlines, `aftaleflow remind`
(the whole process, the real outbox) to a real SMTP server (aiosmtpd) on 127.0.0.1.

    uv run python bench/bench_mail.py [--rounds 20] [--profile FILE] [--json]

Set-up, through the services in a scratch SQLite database: master data, N regional
agreements in Syddanmark (23 parties each, one fixed deadline), their rounds started and the
round letters sent as the round-letter flow sends them (request letter with the council's
draft, rendered and stored). The day measured is the escalation day: rykker 1, rykker 2 and
eskalering are all due for every party, 3 × 23 × N messages (1,380 for 20 rounds).

Three rows:
- end to end: the `remind` process from start to exit, every message received (≤ 30 s);
- sending: messages per second from the first to the last message the server received,
  against raw smtplib sending the same bytes over one connection in this process (≥ 100/s);
- letter render: aftaleflow's renderer on one letter that is still rendered (the eskalering)
  against raw WeasyPrint `HTML(string=...).write_pdf()` on the same HTML (≤ 1.2× raw).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aftaleflow.db import make_engine  # noqa: E402
from aftaleflow.domain.deadlines import load_policy  # noqa: E402
from aftaleflow.services.uow import ServiceContext  # noqa: E402
from tests.smtp_server import HOST, RecordingHandler, SmtpTestServer  # noqa: E402

START = date(2026, 3, 2)
DEADLINE = date(2026, 5, 29)
PARTIES = 23
END_TO_END_TARGET = 30.0  # seconds, for 20 rounds
SENDING_TARGET = 100.0  # messages per second
RENDER_TARGET = 1.2  # × raw WeasyPrint


class TimedHandler(RecordingHandler):
    """Records when each message arrived (the sending window as the server sees it)."""

    def __init__(self) -> None:
        super().__init__(frozenset(), None)
        self.arrivals: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self.arrivals.append(time.perf_counter())
        return answer


def build_day(url: str, rounds: int) -> tuple[date, float]:
    """The rounds and their round letters, through the services; (the day, set-up seconds)."""
    from aftaleflow.mail import FileSink
    from aftaleflow.services.agreements.cases import (
        NewAgreement,
        advance_agreement,
        create_agreement,
    )
    from aftaleflow.services.mail.mailing import send_outbox
    from aftaleflow.services.mail.reminders import enqueue_round_letters
    from aftaleflow.services.structure.masterdata import load_master_data
    from tests.factories import MovableClock

    started = time.perf_counter()
    engine = make_engine(url)
    clock = MovableClock()
    clock.set(START)
    ctx = ServiceContext(engine=engine, actor="bench", clock=clock)
    load_master_data(ctx)
    for i in range(rounds):
        view = create_agreement(ctx, NewAgreement(
            title=f"Samarbejdsaftale {i + 1}", kind="regional_samarbejdsaftale",
            origin="ssu_bestilling", region="syddanmark", kle_number="29.30.08-P27-1-26",
            case_handler="Ane Holm", approval_deadline=DEADLINE))
        advance_agreement(ctx, view.id, "send_til_ssu")
        view = advance_agreement(ctx, view.id, "indstil_til_godkendelse")
        assert view.approvals_total == PARTIES, view.approvals_total
    keys = enqueue_round_letters(ctx)
    with tempfile.TemporaryDirectory() as mails:
        report = send_outbox(ctx, FileSink(Path(mails)))
    assert len(report.sent) == len(keys) == rounds * PARTIES, report
    engine.dispose()
    policy = load_policy()
    day = policy.calendar.add_business_days(DEADLINE, policy.reminders.escalate_days_after)
    return policy.calendar.next_business_day_on_or_after(day), time.perf_counter() - started


WARM_UP = ("import aftaleflow.cli.app, aftaleflow.services.mail.mailing, "
           "aftaleflow.services.documents.mail_documents, aftaleflow.documents.render, "
           "aftaleflow.services.reading.indexing, pypdf, docx")


def run_remind(url: str, state: Path, smtp: SmtpTestServer, day: date, expected: int,
               profile: Path | None) -> tuple[float, float, str]:
    """(wall s, CPU s of the process, its summary line). The process runs as a default
    Python does, with bytecode cached by a warm-up import first (these machines set
    PYTHONDONTWRITEBYTECODE; `uv sync --compile-bytecode` gives the same)."""
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=url, AFTALEFLOW_STATE_DIR=str(state),
               AFTALEFLOW_SMTP_HOST=HOST, AFTALEFLOW_SMTP_PORT=str(smtp.port),
               AFTALEFLOW_OUTBOX_BATCH_SIZE=str(max(expected, 1000)))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", WARM_UP], cwd=ROOT, env=env, check=True,
                   timeout=600)
    command = [sys.executable, *(["-m", "cProfile", "-o", str(profile)] if profile else []),
               "-m", "aftaleflow", "remind", "--today", day.isoformat()]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=3600)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode:
        sys.exit(f"remind failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, cpu, done.stdout.strip().splitlines()[0]


def raw_smtplib_rate(port: int, messages: list[tuple[str, tuple[str, ...], bytes]]) -> float:
    """Messages per second: the same envelopes and bytes over one smtplib connection."""
    with smtplib.SMTP(HOST, port, timeout=30) as smtp:
        started = time.perf_counter()
        for sender, recipients, data in messages:
            smtp.sendmail(sender, list(recipients), data)
        seconds = time.perf_counter() - started
    return len(messages) / seconds


def median_cpu(action: Callable[[], object], runs: int) -> float:
    """Median CPU seconds of this process (rendering is single-threaded; on a shared machine
    CPU time is the steadier figure)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times)


def letter_render(url: str, runs: int = 5) -> tuple[float, float, int]:
    """(aftaleflow s, raw WeasyPrint s, pages) for one eskalering letter from the database."""
    from weasyprint import HTML

    from aftaleflow.config import TEMPLATES_DIR
    from aftaleflow.documents.fetcher import AssetFetcher
    from aftaleflow.documents.pdf import PDF_VARIANT, base_url
    from aftaleflow.documents.prepare import letter_document
    from aftaleflow.documents.render import to_pdf
    from aftaleflow.documents.viewmodels import LetterKind
    from aftaleflow.services.documents.case_documents import _letter_data
    from aftaleflow.services.documents.case_documents import party_key as key_of

    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="bench")
    letter, _body, _draft = _letter_data(ctx, LetterKind.ESCALATION, 1, party=key_of(ctx, 1))
    engine.dispose()
    prepared = letter_document(letter, appendix={})

    def raw() -> bytes:
        return HTML(string=prepared.html, base_url=base_url(TEMPLATES_DIR),
                    url_fetcher=AssetFetcher(TEMPLATES_DIR)).write_pdf(pdf_variant=PDF_VARIANT)

    pages = to_pdf(prepared).pages  # warm-up: imports, fonts, caches
    raw()
    ours, raws = [], []
    for _ in range(runs):  # alternating, so both see the same machine
        ours.append(median_cpu(lambda: to_pdf(prepared), 1))
        raws.append(median_cpu(raw, 1))
    return statistics.median(ours), statistics.median(raws), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of 23 parties")
    parser.add_argument("--profile", type=Path, help="run remind under cProfile into FILE")
    parser.add_argument("--json", action="store_true", help="JSON lines (for run_all.py)")
    args = parser.parse_args()
    expected = 3 * PARTIES * args.rounds
    target_s = END_TO_END_TARGET  # the day is 20 rounds; fewer is a smoke run
    with tempfile.TemporaryDirectory(prefix="aftaleflow-bench-mail-") as tmp:
        state = Path(tmp) / "state"
        os.environ["AFTALEFLOW_STATE_DIR"] = str(state)  # documents of the set-up go here
        url = f"sqlite:///{Path(tmp) / 'mail.db'}"
        day, setup_s = build_day(url, args.rounds)
        handler = TimedHandler()
        smtp = SmtpTestServer()
        smtp.handler = handler
        with smtp:
            seconds, cpu, summary = run_remind(url, state, smtp, day, expected, args.profile)
            received = list(handler.received)
            arrivals = list(handler.arrivals)
            handler.received.clear()
            raw_rate = raw_smtplib_rate(smtp.port, [(m.mail_from, m.rcpt_tos, m.data)
                                                     for m in received])
        window = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
        rate = (len(arrivals) - 1) / window if len(arrivals) > 1 else float("nan")
        ours_s, raw_s, pages = letter_render(url)
    size = sum(len(m.data) for m in received) / max(len(received), 1) / 1024
    rows = [
        {"name": f"reminder day: {args.rounds} rounds × 23 parties, `remind` end to end",
         "figure": seconds, "baseline": None, "unit": "s",
         "target": f"≤ {target_s:g} s", "met": seconds <= target_s and len(received) == expected,
         "note": f"{len(received):,} of {expected:,} messages received; {summary} "
                 f"CPU {cpu:.1f} s; set-up (round letters) {setup_s:.0f} s"},
        {"name": "reminder day: sending, messages/s (server's first to last)",
         "figure": rate, "baseline": raw_rate, "unit": "msg/s",
         "target": f"≥ {SENDING_TARGET:g} msg/s", "met": rate >= SENDING_TARGET,
         "note": f"raw smtplib, same {len(received):,} messages (avg {size:.0f} KiB), one "
                 f"connection: {raw_rate:,.0f}/s; ratio {rate / raw_rate:.2f}"},
        {"name": f"letter render (eskalering, {pages} page(s))",
         "figure": ours_s * 1000, "baseline": raw_s * 1000, "unit": "ms",
         "target": f"≤ {RENDER_TARGET}× raw", "met": ours_s <= RENDER_TARGET * raw_s,
         "note": f"median CPU of 5, alternating, vs raw WeasyPrint on the same HTML; "
                 f"ratio {ours_s / raw_s:.2f}"},
    ]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    for row in rows:
        verdict = "met" if row["met"] else "NOT met"
        base = f" (raw {row['baseline']:,.1f})" if row["baseline"] is not None else ""
        print(f"{row['name']:<66} {row['figure']:>9,.1f} {row['unit']}{base}  "
              f"{row['target']}: {verdict}\n    {row['note']}")


if __name__ == "__main__":
    main()
