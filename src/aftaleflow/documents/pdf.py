"""HTML to PDF/A with WeasyPrint: locked fetcher, bundled fonts only, reproducible bytes.

Two things make WeasyPrint's output depend on the machine and the clock, and both are pinned
here for the length of one rendering:

- fonts: WeasyPrint asks fontconfig, which knows the system's fonts. We give it an empty
  fontconfig configuration (`fonts/fonts.conf`), so the only fonts are the @font-face files
  bundled next to the templates, read through the locked fetcher;
- time: the font subsetter stamps "now" into each embedded font unless SOURCE_DATE_EPOCH is
  set. We set it from the document's own date.

Both are process environment variables, so renderings are serialised by a lock and the
previous values are restored afterwards.
"""

from __future__ import annotations

import calendar
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from aftaleflow.documents.fetcher import AssetFetcher

PDF_VARIANT = "pdf/a-3b"
TAGGED_VARIANT = "pdf/a-3a"
"""Accessible: structure tree, reading order, language; for what councils publish."""
FONTCONFIG_FILE = Path("fonts") / "fonts.conf"
_RENDER_LOCK = threading.RLock()


@dataclass(frozen=True)
class PdfOutput:
    """The PDF bytes and how many pages they hold."""

    data: bytes
    pages: int


@contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """Set one environment variable for the block, then restore what was there before."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def source_date_epoch(day: date) -> str:
    """Midnight UTC of the document's date, as SOURCE_DATE_EPOCH wants it."""
    return str(calendar.timegm(day.timetuple()))


def bundled_font_config(assets_dir: Path) -> FontConfiguration:
    """A font configuration that holds no system font, only what @font-face adds."""
    with _RENDER_LOCK, environment_variable("FONTCONFIG_FILE",
                                            str(assets_dir / FONTCONFIG_FILE)):
        return FontConfiguration()


def base_url(assets_dir: Path) -> str:
    """Relative URLs in the templates (style.css, fonts/...) resolve inside the assets."""
    return assets_dir.resolve().as_uri() + "/"


def html_to_pdf(html: str, *, assets_dir: Path, document_date: date,
                variant: str = PDF_VARIANT) -> PdfOutput:
    """Render final HTML to PDF/A (3b, or tagged 3a); same input gives the same bytes."""
    with _RENDER_LOCK, environment_variable("SOURCE_DATE_EPOCH",
                                            source_date_epoch(document_date)):
        fetcher = AssetFetcher(assets_dir)
        document = HTML(string=html, base_url=base_url(assets_dir), url_fetcher=fetcher).render(
            font_config=bundled_font_config(assets_dir), pdf_variant=variant)
        data = document.write_pdf(pdf_variant=variant)
    return PdfOutput(data=data, pages=len(document.pages))
