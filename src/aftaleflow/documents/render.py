"""The public face of the document engine: view models in, PDF/A bytes and their record out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.pdf import html_to_pdf
from aftaleflow.documents.prepare import (
    PreparedDocument,
    agenda_document,
    agenda_item_document,
    letter_document,
    protocol_document,
    status_report_document,
)
from aftaleflow.documents.viewmodels import (
    AgendaItemView,
    AgendaView,
    LetterView,
    MeetingView,
    ProtocolView,
    StatusReportView,
)


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
                         document_date=prepared.info.date)
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


def render_agenda_item(meeting: MeetingView, item: AgendaItemView, *,
                       templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """One dagsordenpunkt as a PDF (kind "dagsordenpunkt")."""
    return to_pdf(agenda_item_document(meeting, item, templates_dir=templates_dir))


def render_agenda(agenda: AgendaView, *, public: bool = False,
                  templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """The samlet dagsorden (kind "dagsorden", or "dagsorden_offentlig" when public)."""
    return to_pdf(agenda_document(agenda, public=public, templates_dir=templates_dir))


def render_protocol(protocol: ProtocolView, *, public: bool = False,
                    templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """The beslutningsprotokol (kind "beslutningsprotokol", "..._offentlig" when public)."""
    return to_pdf(protocol_document(protocol, public=public, templates_dir=templates_dir))


def render_letter(letter: LetterView, *,
                  templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """A letter; its kind (and the PDF's kind) is `letter.kind`."""
    return to_pdf(letter_document(letter, templates_dir=templates_dir))


def render_status_report(report: StatusReportView, *,
                         templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    """The managers' status report (kind "statusrapport")."""
    return to_pdf(status_report_document(report, templates_dir=templates_dir))
