"""Keeping the text index current: called by the services that change indexed things.

Each row records its owner: the body whose meeting, item or letter it is (None for the
agreement's own texts and documents meant for all parties), so search shows a part only its
own and the common texts.
"""

from __future__ import annotations

from sqlmodel import Session, select

from aftaleflow.domain.meetings import AgendaItem, Meeting, StoredDocument
from aftaleflow.domain.model import Agreement
from aftaleflow.domain.search import TextIndex, stems


def _upsert(session: Session, kind: str, ref_id: int, agreement_id: int | None, title: str,
            body: str, owner_body_id: int | None = None) -> None:
    row = session.exec(select(TextIndex).where(TextIndex.kind == kind,
                                               TextIndex.ref_id == ref_id)).first()
    if row is None:
        row = TextIndex(kind=kind, ref_id=ref_id, title="", body="", title_stems="",
                        body_stems="")
    row.agreement_id, row.title, row.body = agreement_id, title, body
    row.owner_body_id = owner_body_id
    row.title_stems, row.body_stems = stems(title), stems(body)
    session.add(row)


def index_agreement(session: Session, agreement: Agreement) -> None:
    assert agreement.id is not None
    _upsert(session, "agreement", agreement.id, agreement.id, agreement.title,
            f"{agreement.description}\n{agreement.kle_number}\n{agreement.case_handler}")


def index_item(session: Session, item: AgendaItem) -> None:
    assert item.id is not None
    body = "\n".join([item.summary, item.account, *item.recommendations,
                      item.decision_text or ""])
    _upsert(session, "agenda_item", item.id, item.agreement_id, item.title, body,
            _meeting_body(session, item.meeting_id))


def index_document(session: Session, document: StoredDocument) -> None:
    """Index a generated PDF (or Word draft) by its text (closed items never reach public
    ones)."""
    assert document.id is not None
    reader = _word_text if document.path.endswith(".docx") else _pdf_text
    _upsert(session, "document", document.id, document.agreement_id, document.title,
            reader(document.path), document_owner(session, document))


def document_owner(session: Session, document: StoredDocument) -> int | None:
    """The body a document belongs to: its addressee, or the body of its meeting or item."""
    if document.recipient_body_id is not None:
        return document.recipient_body_id
    meeting_id = document.meeting_id
    if meeting_id is None and document.agenda_item_id is not None:
        item = session.get(AgendaItem, document.agenda_item_id)
        meeting_id = item.meeting_id if item else None
    return _meeting_body(session, meeting_id)


def _meeting_body(session: Session, meeting_id: int | None) -> int | None:
    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    return meeting.body_id if meeting else None


def _pdf_text(path: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except (OSError, ValueError, PyPdfError):
        return ""


def _word_text(path: str) -> str:
    from docx import Document

    try:
        doc = Document(path)
    except (OSError, ValueError, KeyError):
        return ""
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])
