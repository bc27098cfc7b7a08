"""Bilag given as PDF files: checked, appended to the rendered document, listed with pages.

A council reads the agenda item and its bilag as one file. The item lists each bilag with the
pages it occupies ("side 3-5"), which are known only once the item itself is rendered, so
`render.with_appendix` renders, counts, and renders again if the list changed the count.

A tagged document (PDF/A-3a, the public dagsorden) stays honest when bilag pages follow it:
each appended page's content becomes one marked-content sequence of a Figure in the structure
tree, whose alt text names the bilag and the page ("Bilag: Aftaletekst, side 2 af 3"). The
page's own text stays in it, so the file remains searchable.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

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
    """`main` with every bilag's pages after it; keeps main's metadata, language and tags,
    and when `main` is tagged, tags each appended page as a Figure naming its bilag."""
    writer = PdfWriter(clone_from=io.BytesIO(main))
    appended: list[tuple[int, str, int]] = []  # (first page index, bilag name, pages)
    for attachment in attachments:
        first = len(writer.pages)
        writer.append(io.BytesIO(attachment.pdf), import_outline=False)
        appended.append((first, attachment.name, len(writer.pages) - first))
    if "/StructTreeRoot" in writer.root_object:
        _tag_as_figures(writer, appended)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _tag_as_figures(writer: PdfWriter, appended: Sequence[tuple[int, str, int]]) -> None:
    """Each appended page: its whole content one Figure (MCID 0) under the document element,
    found from the page through the ParentTree, with alt text naming the bilag."""
    tree = _resolved(writer.root_object["/StructTreeRoot"], DictionaryObject)
    kids = tree["/K"].get_object()
    document = kids[0] if isinstance(kids, ArrayObject) else tree.raw_get("/K")
    parent = _resolved(document, DictionaryObject)
    if not isinstance(parent.get("/K"), ArrayObject):
        parent[NameObject("/K")] = ArrayObject([parent.raw_get("/K")] if "/K" in parent else [])
    children = _resolved(parent["/K"], ArrayObject)
    nums = _resolved(_resolved(tree["/ParentTree"], DictionaryObject)["/Nums"], ArrayObject)
    next_key = int(tree.get("/ParentTreeNextKey", 0)) or \
        max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
    for first, name, count in appended:
        for offset in range(count):
            page = writer.pages[first + offset]
            figure = writer._add_object(DictionaryObject({
                NameObject("/Type"): NameObject("/StructElem"),
                NameObject("/S"): NameObject("/Figure"),
                NameObject("/P"): parent.indirect_reference or document,
                NameObject("/Pg"): page.indirect_reference,
                NameObject("/K"): NumberObject(0),
                NameObject("/Alt"): TextStringObject(
                    f"Bilag: {name}, side {offset + 1} af {count}"),
            }))
            children.append(figure)
            _wrap_in_figure(writer, page)
            page[NameObject("/StructParents")] = NumberObject(next_key)
            nums.extend([NumberObject(next_key), ArrayObject([figure])])
            next_key += 1
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)


T = TypeVar("T")


def _resolved(obj: object, kind: type[T]) -> T:
    """An object of the PDF, followed through its reference, of the kind the spec says."""
    value = obj.get_object() if isinstance(obj, PdfObject) else obj
    if not isinstance(value, kind):
        raise DocumentDataError("Dokumentets struktur (tags) kunne ikke læses.")
    return value


def _wrap_in_figure(writer: PdfWriter, page: PageObject) -> None:
    """The page's content inside `/Figure <</MCID 0>> BDC ... EMC`. Marked content the bilag
    brought (its own tags) keeps its grouping but loses its MCID: those ids belonged to the
    bilag's structure tree, which is not carried over."""
    content = page.get_contents()
    operations = []
    if content is not None:
        for operands, operator in ContentStream(content, writer).operations:
            if operator == b"BDC" and _has_mcid(page, operands[1]):
                operands, operator = [operands[0]], b"BMC"
            operations.append((operands, operator))
    wrapped = ContentStream(None, writer)
    wrapped.operations = [
        ([NameObject("/Figure"), DictionaryObject({NameObject("/MCID"): NumberObject(0)})],
         b"BDC"), ([], b"q"), *operations, ([], b"Q"), ([], b"EMC")]
    stream = DecodedStreamObject()
    stream.set_data(wrapped.get_data())
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())


def _has_mcid(page: PageObject, properties: object) -> bool:
    if isinstance(properties, NameObject):
        resources = page.get("/Resources")
        named = resources.get_object().get("/Properties") if resources is not None else None
        properties = named.get_object().get(properties) if named is not None else None
    value = properties.get_object() if isinstance(properties, PdfObject) else properties
    return isinstance(value, DictionaryObject) and "/MCID" in value
