"""PDF/A identification and metadata, bundled fonts only, and byte-identical re-renders."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pikepdf
import pytest

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.environment import template_version
from aftaleflow.documents.pdf import bundled_font_config
from aftaleflow.documents.render import RenderedDocument, render_agenda_item
from tests.documents import factories

ROOT = Path(__file__).resolve().parents[2]


def test_pdf_a_3b_with_title_author_and_danish_language(item_pdf: RenderedDocument) -> None:
    with pikepdf.open(io.BytesIO(item_pdf.pdf)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == item_pdf.title
        assert meta["xmp:CreateDate"].startswith("2021-08-30")
        assert str(pdf.Root.Lang) == "da"
        assert str(pdf.docinfo["/Title"]) == item_pdf.title
        assert str(pdf.docinfo["/Author"]) == "Forebyggelsesudvalget"
        assert "/OutputIntents" in pdf.Root
        assert pdf.pdf_version == "1.7"


def embedded_fonts(pdf_bytes: bytes) -> list[tuple[str, bool]]:
    """(font name, has an embedded font file) for every font the pages use."""
    fonts = []
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                for descendant in font.get("/DescendantFonts", [font]):
                    descriptor = descendant.FontDescriptor
                    fonts.append((str(descendant.BaseFont), "/FontFile2" in descriptor))
    return fonts


def test_only_the_bundled_dejavu_fonts_are_used_and_all_are_embedded(
        item_pdf: RenderedDocument, agenda_pdf: RenderedDocument) -> None:
    fonts = embedded_fonts(item_pdf.pdf) + embedded_fonts(agenda_pdf.pdf)
    assert fonts
    for name, embedded in fonts:
        assert "DejaVu" in name and embedded, name


def test_the_font_configuration_sees_no_system_font() -> None:
    from weasyprint.text.ffi import ffi, fontconfig

    config = bundled_font_config(TEMPLATES_DIR)
    system_fonts = fontconfig.FcConfigGetFonts(config._config, fontconfig.FcSetSystem)
    assert system_fonts == ffi.NULL or system_fonts.nfont == 0


def test_rendering_twice_gives_identical_bytes(item_pdf: RenderedDocument) -> None:
    again = render_agenda_item(factories.MEETING, factories.SEED_ITEM)
    assert again.sha256 == item_pdf.sha256
    assert again.pdf == item_pdf.pdf
    assert again.template_version == item_pdf.template_version == template_version()


def test_another_process_renders_the_same_bytes(item_pdf: RenderedDocument) -> None:
    """No clock, temp path or random id of this process leaks into the file."""
    script = textwrap.dedent("""
        from aftaleflow.documents import render_agenda_item
        from tests.documents import factories
        print(render_agenda_item(factories.MEETING, factories.SEED_ITEM).sha256)
    """)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == item_pdf.sha256


def test_rendering_restores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "123")
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    render_agenda_item(factories.MEETING, factories.SEED_ITEM)
    assert os.environ["SOURCE_DATE_EPOCH"] == "123"
    assert "FONTCONFIG_FILE" not in os.environ


def test_a_different_document_date_changes_the_bytes_not_the_text(
        item_pdf: RenderedDocument) -> None:
    from dataclasses import replace
    from datetime import date

    moved = replace(factories.MEETING, date=date(2021, 9, 6))
    other = render_agenda_item(moved, factories.SEED_ITEM)
    assert other.sha256 != item_pdf.sha256
    assert other.document_date == date(2021, 9, 6)
