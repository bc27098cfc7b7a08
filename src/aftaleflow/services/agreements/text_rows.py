"""Text-version rows inside other services' transactions (creation, the start of a round)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, update
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


def stamp_round_text(conn: Connection, agreement: Agreement, round_no: int, version_no: int,
                     now: datetime) -> None:
    """The round that starts now goes out with text version `version_no`; freeze that text.

    Core statements on the round's connection: the agreement row is half-changed at this
    point and must not be autoflushed.
    """
    table = AgreementText.__table__  # type: ignore[attr-defined]
    rows = conn.execute(select(table).where(table.c.agreement_id == agreement.id)
                        .order_by(table.c.version_no)).all()
    if any(r.version_no == version_no for r in rows):
        conn.execute(update(table).where(table.c.agreement_id == agreement.id,
                                         table.c.version_no == version_no)
                     .values(round_no=round_no, sent_on=now.date()))
        return
    latest = rows[-1] if rows else None  # no edit since the last round: the same text again
    conn.execute(insert(table).values(
        agreement_id=agreement.id, version_no=version_no, round_no=round_no,
        sent_on=now.date(), title=agreement.title, description=agreement.description,
        body=latest.body if latest else "",
        attachment_names=latest.attachment_names if latest else "",
        created_at=now, updated_at=now))
