"""WeasyPrint's set-up (fonts, the parsed style.css) is made once and reused, and made again
as soon as the stylesheet changes; reusing it changes no byte."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from aftaleflow.config import PROJECT_ROOT, TEMPLATES_DIR
from aftaleflow.documents.pdf import render_setup
from aftaleflow.documents.render import render_letter
from aftaleflow.documents.viewmodels import LetterKind
from tests.documents import factories


def _page_width(pdf: bytes) -> float:
    return float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width)


def test_the_set_up_is_reused_until_the_stylesheet_changes_then_the_change_shows(
        tmp_path: Path) -> None:
    templates = tmp_path / "letters"
    shutil.copytree(TEMPLATES_DIR, templates)
    letter = factories.letter(LetterKind.REMINDER)
    first = render_letter(letter, templates_dir=templates)
    setup = render_setup(templates)
    assert render_letter(letter, templates_dir=templates).pdf == first.pdf
    assert render_setup(templates) is setup  # reused, not parsed again
    assert round(_page_width(first.pdf)) == 595  # A4

    style = templates / "style.css"
    style.write_text(style.read_text(encoding="utf-8").replace("size: A4;", "size: A5;", 1),
                     encoding="utf-8")
    changed = render_letter(letter, templates_dir=templates)
    assert render_setup(templates) is not setup
    assert round(_page_width(changed.pdf)) == 420  # A5: the next rendering uses the change


def test_a_reused_set_up_gives_the_bytes_a_fresh_process_gives() -> None:
    letter = factories.letter(LetterKind.ESCALATION)
    for kind in (LetterKind.REMINDER, LetterKind.APPROVAL_REQUEST):
        render_letter(factories.letter(kind))  # the set-up has served other documents
    here = render_letter(letter).sha256
    fresh = subprocess.run(
        [sys.executable, "-c",
         "from aftaleflow.documents.render import render_letter\n"
         "from aftaleflow.documents.viewmodels import LetterKind\n"
         "from tests.documents import factories\n"
         "print(render_letter(factories.letter(LetterKind.ESCALATION)).sha256)"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=True)
    assert fresh.stdout.strip() == here
