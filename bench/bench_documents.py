"""Benchmark: a 40-item dagsorden through aftaleflow's renderer against raw WeasyPrint.

aftaleflow's time covers everything a caller pays for: filling the Jinja templates (with the
Markdown filter), the locked fetcher, the bundled-fonts configuration, SOURCE_DATE_EPOCH, the
PDF/A-3b output and the sha256. The raw baseline renders the same final HTML with the same
base URL and fetcher straight through `weasyprint.HTML(...).write_pdf(pdf_variant=...)`.
Target: aftaleflow / raw <= 1.2.

    uv run python bench/bench_documents.py [--runs 3] [--items 40] [--check]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the realistic seed-004 content lives in the test factories

from weasyprint import HTML  # noqa: E402

from aftaleflow.config import TEMPLATES_DIR  # noqa: E402
from aftaleflow.documents.fetcher import AssetFetcher  # noqa: E402
from aftaleflow.documents.pdf import PDF_VARIANT, base_url  # noqa: E402
from aftaleflow.documents.prepare import agenda_document  # noqa: E402
from aftaleflow.documents.render import render_agenda  # noqa: E402
from aftaleflow.documents.viewmodels import AgendaView  # noqa: E402
from tests.documents.factories import MEETING, agenda_items  # noqa: E402

TARGET_RATIO = 1.2


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--items", type=int, default=40, help="agenda items (default 40)")
    parser.add_argument("--json", action="store_true", help="one JSON line (for run_all.py)")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when the ratio is above {TARGET_RATIO}")
    args = parser.parse_args(argv)

    agenda = AgendaView(MEETING, tuple(agenda_items(args.items, varied_length=True)))
    html = agenda_document(agenda).html

    def ours() -> object:
        return render_agenda(agenda)

    def raw() -> object:
        fetcher = AssetFetcher(TEMPLATES_DIR)
        return HTML(string=html, base_url=base_url(TEMPLATES_DIR),
                    url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)

    pages = render_agenda(agenda).pages  # warm-up: imports, compiled templates, caches
    raw()
    ours_times, raw_times = [], []
    for _ in range(args.runs):
        ours_times.append(timed(ours))
        raw_times.append(timed(raw))

    ours_s, raw_s = statistics.median(ours_times), statistics.median(raw_times)
    ratio = ours_s / raw_s
    if args.json:  # one line for run_all.py: the figure, its baseline and target
        print(json.dumps({"name": f"PDF/A dagsorden, {args.items} items, {pages} pages",
                          "figure": ours_s, "baseline": raw_s, "unit": "s",
                          "target": f"≤ {TARGET_RATIO}× raw", "met": ratio <= TARGET_RATIO,
                          "note": f"median of {args.runs} renders vs raw WeasyPrint"}))
        return 0
    print(f"dagsorden: {args.items} punkter, {pages} sider, {args.runs} kørsler (median)")
    print(f"  aftaleflow render_agenda : {ours_s:6.3f} s  ({pages / ours_s:5.1f} sider/s)")
    print(f"  rå WeasyPrint, samme HTML: {raw_s:6.3f} s  ({pages / raw_s:5.1f} sider/s)")
    verdict = "opfyldt" if ratio <= TARGET_RATIO else "IKKE opfyldt"
    print(f"  forhold aftaleflow/rå    : {ratio:6.3f}  (mål <= {TARGET_RATIO}: {verdict})")
    return 1 if args.check and ratio > TARGET_RATIO else 0


if __name__ == "__main__":
    raise SystemExit(main())
