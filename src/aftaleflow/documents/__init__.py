"""Case documents as PDF/A: agenda items, agendas, protocols, letters and status reports.

No database here: callers build the frozen view models in `viewmodels` and call a `render_*`
function, which returns the PDF bytes with their sha256, template and template version;
`store_document` writes one to disk atomically. Templates, stylesheet and fonts live in
`templates/letters/` at the repository root.

WeasyPrint takes about two seconds to import, so this package imports it lazily: importing
`aftaleflow.documents` costs little, rendering loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aftaleflow.documents.errors import DocumentDataError
from aftaleflow.documents.viewmodels import (
    AgendaItemView,
    AgendaView,
    AgreementStatusView,
    DraftItemView,
    LetterKind,
    LetterView,
    MeetingView,
    PartyStatusView,
    PdfAttachment,
    ProtocolView,
    RecipientView,
    RecommendationView,
    RouteStep,
    StatusReportView,
)

if TYPE_CHECKING:
    from aftaleflow.documents.render import (
        RenderedDocument,
        render_agenda,
        render_agenda_item,
        render_draft_item,
        render_letter,
        render_protocol,
        render_status_report,
    )
    from aftaleflow.documents.store import store_document, store_file
    from aftaleflow.documents.worddraft import WordDocument, render_draft_docx

_LAZY = {
    "RenderedDocument": "aftaleflow.documents.render",
    "render_agenda": "aftaleflow.documents.render",
    "render_agenda_item": "aftaleflow.documents.render",
    "render_draft_item": "aftaleflow.documents.render",
    "render_draft_docx": "aftaleflow.documents.worddraft",
    "WordDocument": "aftaleflow.documents.worddraft",
    "store_file": "aftaleflow.documents.store",
    "render_letter": "aftaleflow.documents.render",
    "render_protocol": "aftaleflow.documents.render",
    "render_status_report": "aftaleflow.documents.render",
    "store_document": "aftaleflow.documents.store",
}

__all__ = [
    "AgendaItemView",
    "AgendaView",
    "AgreementStatusView",
    "DocumentDataError",
    "DraftItemView",
    "LetterKind",
    "LetterView",
    "MeetingView",
    "PartyStatusView",
    "PdfAttachment",
    "ProtocolView",
    "RecipientView",
    "RecommendationView",
    "RenderedDocument",
    "RouteStep",
    "StatusReportView",
    "WordDocument",
    "render_agenda",
    "render_agenda_item",
    "render_draft_docx",
    "render_draft_item",
    "render_letter",
    "render_protocol",
    "render_status_report",
    "store_document",
    "store_file",
]


def __getattr__(name: str) -> Any:
    """Load the renderer (and WeasyPrint) on first use of a rendering name."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
