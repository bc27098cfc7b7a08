"""Reading rendered PDFs back, as a reader (or a search engine) would see them."""

from __future__ import annotations

import io
import re
from functools import cache

import pypdf

_HYPHEN_BREAK = re.compile("[\u2010\u00ad]\n")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Undo line-end hyphenation and collapse whitespace, so phrases can be searched."""
    return _SPACE.sub(" ", _HYPHEN_BREAK.sub("", text)).strip()


@cache
def page_texts(pdf: bytes) -> tuple[str, ...]:
    """The raw extracted text of each page (cached: extraction is slower than rendering)."""
    return tuple(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def full_text(pdf: bytes) -> str:
    """All pages' text, normalised."""
    return normalise("\n".join(page_texts(pdf)))


def outline_titles(pdf: bytes) -> list[str]:
    """Every bookmark title, nested ones included."""
    titles: list[str] = []

    def walk(entries: list[object]) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                titles.append(str(getattr(entry, "title", "")))

    walk(pypdf.PdfReader(io.BytesIO(pdf)).outline)
    return titles
