"""Bilag given as PDF files: checked, appended to the rendered document, listed with pages.

A council reads the agenda item and its bilag as one file. The item lists each bilag with the
pages it occupies ("side 3-5"), which are known only once the item itself is rendered, so
`render.with_appendix` renders, counts, and renders again if the list changed the count.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from aftaleflow.documents.errors import DocumentDataError
from aftaleflow.documents.viewmodels import PdfAttachment

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class PageRange:
    """Where an appended bilag sits in the finished file (1-based, inclusive)."""

    first: int
    last: int

    @property
    def label(self) -> str:
        """ "side 3" or "side 3-5", as the bilag list prints it."""
        if self.first == self.last:
            return f"side {self.first}"
        return f"side {self.first}\u2013{self.last}"


Appendix = Mapping[PdfAttachment, PageRange]


def pdf_page_count(data: bytes, name: str = "bilaget") -> int:
    """Pages of a PDF file, or DocumentDataError in Danish when it is not a usable PDF."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DocumentDataError(f"Bilaget '{name[:80]}' er for stort (højst 50 MB).")
    if not data.startswith(b"%PDF-"):
        raise DocumentDataError(f"Bilaget '{name[:80]}' er ikke en PDF-fil.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentDataError(f"Bilaget '{name[:80]}' er krypteret og kan ikke vedlægges.")
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise DocumentDataError(f"Bilaget '{name[:80]}' er en ødelagt PDF-fil.") from exc
    if pages == 0:
        raise DocumentDataError(f"Bilaget '{name[:80]}' har ingen sider.")
    return pages


def unique_attachments(attachments: Sequence[PdfAttachment]) -> list[PdfAttachment]:
    """Each bilag once, in first-mentioned order (the same file on two items is one appendix)."""
    return list(dict.fromkeys(attachments))


def page_ranges(main_pages: int, attachments: Sequence[PdfAttachment]) -> dict[
        PdfAttachment, PageRange]:
    """The pages each bilag gets when appended after `main_pages` pages."""
    ranges: dict[PdfAttachment, PageRange] = {}
    start = main_pages + 1
    for attachment in attachments:
        count = pdf_page_count(attachment.pdf, attachment.name)
        ranges[attachment] = PageRange(start, start + count - 1)
        start += count
    return ranges


def append_pdfs(main: bytes, attachments: Sequence[PdfAttachment]) -> bytes:
    """`main` with every bilag's pages after it; keeps main's metadata, language and tags."""
    writer = PdfWriter(clone_from=io.BytesIO(main))
    for attachment in attachments:
        writer.append(io.BytesIO(attachment.pdf), import_outline=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
