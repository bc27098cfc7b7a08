"""A letter's closing and its signature stay together, and PDF enclosures follow the letter."""

from __future__ import annotations

import io
from dataclasses import replace

import pypdf

from aftaleflow.documents.render import render_letter
from aftaleflow.documents.viewmodels import LetterKind, LetterView, PdfAttachment
from tests.documents import factories
from tests.documents.pdftext import normalise, page_texts

CLOSING = "Med venlig hilsen"


def _letter(lines: int) -> LetterView:
    message = "\n\n".join(f"Bemærkning nummer {n} til sagen." for n in range(1, lines + 1))
    return replace(factories.letter(LetterKind.APPROVAL_REQUEST), message=message)


def _pages_of(lines: int) -> tuple[int, int, int]:
    """Pages in all, and the page of the closing and of the signer's name after it."""
    letter = _letter(lines)
    pages = [normalise(t) for t in page_texts(render_letter(letter).pdf)]
    closing = next(i for i, t in enumerate(pages) if CLOSING in t)
    signer = next(i for i, t in enumerate(pages)
                  if letter.case_handler in t.split(CLOSING)[-1] and i >= closing)
    return len(pages), closing, signer


def test_closing_and_signature_are_never_split_over_a_page_break() -> None:
    low, high = 1, 60  # one page with `low` remarks, two with `high`
    assert _pages_of(low)[0] == 1 and _pages_of(high)[0] >= 2
    while high - low > 1:  # the fewest remarks that make a second page
        middle = (low + high) // 2
        low, high = (middle, high) if _pages_of(middle)[0] == 1 else (low, middle)
    moved = 0
    for lines in range(high - 4, high + 3):
        _total, closing, signer = _pages_of(lines)
        assert closing == signer, f"{lines} bemærkninger: hilsen på side {closing + 1}, " \
                                  f"underskrift på side {signer + 1}"
        moved += closing == 1
    assert moved  # the range really crossed the page break with the closing


def test_pdf_enclosure_is_appended_and_listed_with_its_page() -> None:
    enclosure = PdfAttachment("Udkast til dagsordenpunkt for Holstebro Byråd",
                              render_letter(factories.letter(LetterKind.REMINDER)).pdf)
    letter = replace(factories.letter(LetterKind.APPROVAL_REQUEST), enclosures=[enclosure])
    result = render_letter(letter)
    reader = pypdf.PdfReader(io.BytesIO(result.pdf))
    own = len(reader.pages) - 1
    assert result.pages == len(reader.pages)
    text = normalise(" ".join(page_texts(result.pdf)))
    assert f"Udkast til dagsordenpunkt for Holstebro Byråd, side {own + 1} i dette dokument" \
        in text
    assert "Rykker" in normalise(reader.pages[-1].extract_text())
    again = render_letter(letter)
    assert again.sha256 == result.sha256  # still reproducible with the appendix
