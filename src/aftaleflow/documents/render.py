"""The public face of the document engine: view models in, PDF/A bytes and their record out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.appendix import (
    Appendix,
    append_pdfs,
    page_ranges,
    unique_attachments,
)
from aftaleflow.documents.pdf import html_to_pdf
from aftaleflow.documents.prepare import (
    PreparedDocument,
    agenda_document,
    agenda_item_document,
    draft_item_document,
    letter_document,
    protocol_document,
    status_report_document,
)
from aftaleflow.documents.viewmodels import (
    AgendaItemView,
    AgendaView,
    DraftItemView,
    LetterView,
    MeetingView,
    PdfAttachment,
    ProtocolView,
    StatusReportView,
)

MAX_LAYOUT_PASSES = 3


@dataclass(frozen=True)
class RenderedDocument:
    """A finished PDF and what a document register stores about it."""

    kind: str
    title: str
    template: str
    template_version: str
    document_date: date
    pdf: bytes
    sha256: str
    pages: int

    @property
    def size(self) -> int:
        return len(self.pdf)


def to_pdf(prepared: PreparedDocument) -> RenderedDocument:
    """Render prepared HTML; the same data and template version give the same bytes."""
    output = html_to_pdf(prepared.html, assets_dir=prepared.templates_dir,
                         document_date=prepared.info.date, variant=prepared.pdf_variant)
    return RenderedDocument(
        kind=prepared.info.kind,
        title=prepared.info.title,
        template=prepared.template,
        template_version=prepared.template_version,
        document_date=prepared.info.date,
        pdf=output.data,
        sha256=hashlib.sha256(output.data).hexdigest(),
        pages=output.pages,
    )


def with_appendix(prepare: Callable[[Appendix], PreparedDocument],
                  attachments: Sequence[PdfAttachment]) -> RenderedDocument:
    """Render, then append the bilag PDFs; their page numbers in the list are those of the
    finished file (a second layout pass when the numbers change the page count)."""
    unique = unique_attachments(attachments)
    if not unique:
        return to_pdf(prepare({}))
    ranges = page_ranges(0, unique)
    for _ in range(MAX_LAYOUT_PASSES):
        rendered = to_pdf(prepare(ranges))
        final = page_ranges(rendered.pages, unique)
        if final == ranges:
            break
        ranges = final
    data = append_pdfs(rendered.pdf, unique)
    pages = rendered.pages + sum(r.last - r.first + 1 for r in ranges.values())
    return replace(rendered, pdf=data, sha256=hashlib.sha256(data).hexdigest(), pages=pages)


def render_agenda_item(meeting: MeetingView, item: AgendaItemView, *,
                       templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """One dagsordenpunkt as a PDF (kind "dagsordenpunkt"), its PDF bilag appended."""
    return with_appendix(lambda appendix: agenda_item_document(
        meeting, item, templates_dir=templates_dir, appendix=appendix), item.bilag_pdf)


def render_agenda(agenda: AgendaView, *, public: bool = False,
                  templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """The samlet dagsorden (kind "dagsorden", or "dagsorden_offentlig" when public, tagged);
    the PDF bilag of the items it shows are appended at the end."""
    shown = [i for i in agenda.items if not (public and i.closed)]
    return with_appendix(lambda appendix: agenda_document(
        agenda, public=public, templates_dir=templates_dir, appendix=appendix),
        [a for item in shown for a in item.bilag_pdf])


def render_protocol(protocol: ProtocolView, *, public: bool = False,
                    templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """The beslutningsprotokol (kind "beslutningsprotokol", "..._offentlig" when public)."""
    return to_pdf(protocol_document(protocol, public=public, templates_dir=templates_dir))


def render_letter(letter: LetterView, *,
                  templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """A letter; its kind (and the PDF's kind) is `letter.kind`; enclosures appended."""
    return with_appendix(lambda appendix: letter_document(
        letter, templates_dir=templates_dir, appendix=appendix), letter.enclosures)


def render_status_report(report: StatusReportView, *,
                         templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """The managers' status report (kind "statusrapport")."""
    return to_pdf(status_report_document(report, templates_dir=templates_dir))


def render_draft_item(draft: DraftItemView, *,
                      templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """A council's draft agenda item as PDF (kind "udkast_dagsordenpunkt")."""
    return to_pdf(draft_item_document(draft, templates_dir=templates_dir))
