"""Text-version rows inside other services' transactions (creation, the start of a round)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from aftaleflow.domain.model import Agreement
from aftaleflow.domain.texts import AgreementText


def texts_of(session: Session, agreement_id: int) -> list[AgreementText]:
    return list(session.exec(select(AgreementText).where(
        AgreementText.agreement_id == agreement_id).order_by(col(AgreementText.version_no))))


def snapshot_row(agreement: Agreement, version_no: int, now: datetime,
                 like: AgreementText | None) -> AgreementText:
    assert agreement.id is not None
    return AgreementText(
        agreement_id=agreement.id, version_no=version_no, title=agreement.title,
        description=agreement.description, body=like.body if like else "",
        attachment_names=like.attachment_names if like else "", created_at=now,
        updated_at=now)


def start_text(session: Session, agreement: Agreement, now: datetime) -> None:
    """Version 1, a draft, when the agreement is created."""
    session.add(snapshot_row(agreement, 1, now, None))


def stamp_round_text(session: Session, agreement: Agreement, now: datetime) -> None:
    """The round that starts now goes out with `agreement.text_version`; freeze that text."""
    assert agreement.id is not None
    rows = texts_of(session, agreement.id)
    row = next((r for r in rows if r.version_no == agreement.text_version), None)
    if row is None:  # no edit since the last round: the same text again, as a new version
        row = snapshot_row(agreement, agreement.text_version, now, rows[-1] if rows else None)
    row.round_no = agreement.round_no
    row.sent_on = now.date()
    session.add(row)
