"""Keeping the text index current: called by the services that change indexed things."""

from __future__ import annotations

from sqlmodel import Session, select

from aftaleflow.domain.meetings import AgendaItem, StoredDocument
from aftaleflow.domain.model import Agreement
from aftaleflow.domain.search import TextIndex, stems


def _upsert(session: Session, kind: str, ref_id: int, agreement_id: int | None, title: str,
            body: str) -> None:
    row = session.exec(select(TextIndex).where(TextIndex.kind == kind,
                                               TextIndex.ref_id == ref_id)).first()
    if row is None:
        row = TextIndex(kind=kind, ref_id=ref_id, title="", body="", title_stems="",
                        body_stems="")
    row.agreement_id, row.title, row.body = agreement_id, title, body
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
    _upsert(session, "agenda_item", item.id, item.agreement_id, item.title, body)


def index_document(session: Session, document: StoredDocument) -> None:
    """Index a generated PDF by its extracted text (closed items never reach public ones)."""
    from pypdf import PdfReader

    assert document.id is not None
    try:
        reader = PdfReader(document.path)
        body = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (OSError, ValueError):
        body = ""
    _upsert(session, "document", document.id, document.agreement_id, document.title, body)
