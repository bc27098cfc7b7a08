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

What does not change between renderings is made once per process and reused: the font
configuration, and the parsed shared stylesheet (`style.css`, with its @font-face fonts
loaded into that configuration). WeasyPrint would otherwise parse the stylesheet, compile its
selectors and load the fonts again for every document, a third of a letter's time. The
reused set-up is keyed by a fingerprint of the stylesheet and the font files (content of the
stylesheet, size and mtime of each font), so an edited stylesheet or font is used from the
next rendering on.
"""

from __future__ import annotations

import calendar
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from aftaleflow.documents.fetcher import AssetFetcher

PDF_VARIANT = "pdf/a-3b"
TAGGED_VARIANT = "pdf/a-3a"
"""Accessible: structure tree, reading order, language; for what councils publish."""
FONTCONFIG_FILE = Path("fonts") / "fonts.conf"
STYLESHEET = "style.css"
STYLESHEET_LINK = f'<link rel="stylesheet" href="{STYLESHEET}">'
"""How the templates name the shared stylesheet (base.html.j2); the reused one replaces it."""
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


@dataclass(frozen=True)
class RenderSetup:
    """What every rendering with one assets directory shares: fonts and the stylesheet."""

    fingerprint: str
    font_config: FontConfiguration
    stylesheet: CSS | None


_SETUPS: dict[Path, RenderSetup] = {}


def assets_fingerprint(assets_dir: Path) -> str:
    """Changes whenever the shared stylesheet's text or a bundled font file changes."""
    digest = hashlib.sha256()
    sheet = assets_dir / STYLESHEET
    digest.update(sheet.read_bytes() if sheet.is_file() else b"-")
    fonts = assets_dir / FONTCONFIG_FILE.parent
    for path in sorted(fonts.iterdir()) if fonts.is_dir() else ():
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def render_setup(assets_dir: Path) -> RenderSetup:
    """The reused font configuration and parsed stylesheet, made again when they changed."""
    key = assets_dir.resolve()
    fingerprint = assets_fingerprint(key)
    with _RENDER_LOCK:
        setup = _SETUPS.get(key)
        if setup is None or setup.fingerprint != fingerprint:
            font_config = bundled_font_config(key)
            sheet = key / STYLESHEET
            stylesheet = CSS(url=sheet.as_uri(), url_fetcher=AssetFetcher(key),
                             font_config=font_config) if sheet.is_file() else None
            setup = _SETUPS[key] = RenderSetup(fingerprint, font_config, stylesheet)
        return setup


def html_to_pdf(html: str, *, assets_dir: Path, document_date: date,
                variant: str = PDF_VARIANT) -> PdfOutput:
    """Render final HTML to PDF/A (3b, or tagged 3a); same input gives the same bytes.

    The template's link to the shared stylesheet is served by the parsed one (`render_setup`);
    anything else the HTML links goes through the locked fetcher as before.
    """
    with _RENDER_LOCK, environment_variable("SOURCE_DATE_EPOCH",
                                            source_date_epoch(document_date)):
        setup = render_setup(assets_dir)
        stylesheets = []
        if setup.stylesheet is not None and STYLESHEET_LINK in html:
            html = html.replace(STYLESHEET_LINK, "", 1)
            stylesheets.append(setup.stylesheet)
        fetcher = AssetFetcher(assets_dir)
        document = HTML(string=html, base_url=base_url(assets_dir), url_fetcher=fetcher).render(
            font_config=setup.font_config, stylesheets=stylesheets, pdf_variant=variant)
        data = document.write_pdf(pdf_variant=variant)
    return PdfOutput(data=data, pages=len(document.pages))
