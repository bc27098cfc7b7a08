"""Tables for meetings, agenda items (dagsordenpunkter) and generated documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, Integer, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel

_item_version = Column("version", Integer, nullable=False)


class Meeting(SQLModel, table=True):
    """A meeting of one body (kommunalbestyrelse, udvalg, regionsråd, SSU ...)."""

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    starts_at: datetime
    has_time: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    """False when only the date is known (starts_at is then local midnight)."""
    place: str
    created_at: datetime


class AgendaItem(SQLModel, table=True):
    """A dagsordenpunkt, laid out like the municipal item in seed 004."""

    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _item_version}

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: int
    custom_number: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """The clerk gave the number (kept when the agenda is reordered; see domain.agenda)."""
    title: str
    closed: bool = False
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id", index=True)
    approval_id: int | None = Field(default=None, foreign_key="approval.id")
    case_number: str = ""
    case_handler: str = ""
    other_handlers: str = ""
    route: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    route_current: str | None = None
    summary: str = ""
    account: str = ""
    recommender: str = ""
    recommendations: list[str] = Field(default_factory=list,
                                       sa_column=Column(JSON, nullable=False))
    decision_text: str | None = None
    decision: str | None = None
    attachments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attachment_files: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    """Bilag given as PDF files: name, stored path and sha256; appended to the item's PDF."""
    late_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int | None = Field(default=None, sa_column=_item_version)


class StoredDocument(SQLModel, table=True):
    """A generated PDF: where it is, its hash, and what it was made from."""

    __tablename__ = "stored_document"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    title: str
    path: str
    sha256: str = Field(index=True)
    size: int
    template: str
    template_version: str
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    recipient_body_id: int | None = Field(default=None, foreign_key="body.id")
    created_at: datetime
