"""Small inline SVG bar charts drawn on the server; each page also shows the numbers as a table."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

LABEL_W, BAR_W, ROW_H, PAD = 270, 360, 30, 10


@dataclass(frozen=True)
class Segment:
    value: int
    css: str  # a state name: the stylesheet gives it a colour (with a legend in the page)
    label: str


def stacked_bars(chart_id: str, title: str, rows: list[tuple[str, list[Segment]]]) -> Markup:
    """One horizontal bar per row, split into segments; the total is written after the bar."""
    height = PAD * 2 + ROW_H * max(len(rows), 1)
    width = LABEL_W + BAR_W + 120
    parts = [_open(chart_id, title, width, height, len(rows))]
    for i, (label, segments) in enumerate(rows):
        y = PAD + i * ROW_H
        total = sum(s.value for s in segments) or 1
        x = float(LABEL_W)
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 19}" text-anchor="end">'
                     f'{escape(label)}</text>')
        for seg in segments:
            if seg.value <= 0:
                continue
            w = BAR_W * seg.value / total
            parts.append(f'<rect class="seg {escape(seg.css)}" x="{x:.1f}" y="{y + 4}" '
                         f'width="{w:.1f}" height="{ROW_H - 8}"><title>{escape(label)}: '
                         f'{seg.value} {escape(seg.label)}</title></rect>')
            x += w
        done = next((s.value for s in segments if s.css == "godkendt"), 0)
        parts.append(f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 19}">{done} af '
                     f'{sum(s.value for s in segments)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(chart_id: str, title: str, rows: list[tuple[str, int, str]]) -> Markup:
    """Horizontal bars (label, value, text after the bar), scaled to the largest value."""
    height = PAD * 2 + ROW_H * max(len(rows), 1)
    width = LABEL_W + BAR_W + 120
    top = max((v for _, v, _ in rows), default=1) or 1
    parts = [_open(chart_id, title, width, height, len(rows))]
    for i, (label, value, text) in enumerate(rows):
        y = PAD + i * ROW_H
        w = max(BAR_W * value / top, 2)
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 19}" text-anchor="end">'
                     f'{escape(_cut(label))}<title>{escape(label)}</title></text>'
                     f'<rect class="bar" x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" '
                     f'height="{ROW_H - 8}"/>'
                     f'<text x="{LABEL_W + w + 8:.1f}" y="{y + 19}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(chart_id: str, title: str, width: int, height: int, count: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">'
            f'{escape(title)} ({count} rækker; tallene står også i tabellen)</title>')


def _cut(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
