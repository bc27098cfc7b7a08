"""Text versions of an agreement: what each approval round was asked to approve.

A version is a draft until a round starts with it; then it carries that round and the day it
went out and is never changed again. Editing the text after a rejection makes the next
version, so every round's text stays as the councils saw it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Where the text may still be edited: before the first round and during a renegotiation.
EDITABLE_STATES = ("proevehandling", "resultater_forelagt_ssu", "under_udarbejdelse",
                   "til_behandling_i_ssu", "genforhandling")


class AgreementText(SQLModel, table=True):
    """One text version: title, description, agreement text and the attachments' names."""

    __tablename__ = "agreement_text"
    __table_args__ = (UniqueConstraint("agreement_id", "version_no"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    version_no: int
    round_no: int | None = None
    sent_on: date | None = None
    title: str
    description: str = ""
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    attachment_names: str = Field(default="", sa_column=Column(Text, nullable=False))
    """One name per line (names are single-line): plain text, comparable and hashable."""
    created_at: datetime
    updated_at: datetime


def split_names(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def join_names(names: list[str]) -> str:
    return "\n".join(names)
