"""The text index: one row per searchable thing, with Danish-stemmed words.

Agreements, agenda items and generated documents each get a row, kept current by the
services that change them. SQLite searches it with FTS5 (a `text_index_fts` table over the
stemmed columns, tokenizer keeping æ, ø, å), PostgreSQL with `to_tsvector('danish', ...)`.
Stemming with the Snowball Danish stemmer on both sides gives the same answers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

_WORD = re.compile(r"\w+", re.UNICODE)


class TextIndex(SQLModel, table=True):
    __tablename__ = "text_index"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(description="agreement | agenda_item | document")
    ref_id: int
    agreement_id: int | None = Field(default=None, index=True)
    owner_body_id: int | None = Field(default=None, index=True)
    """The body whose item or letter this is; None = common to the agreement's parties."""
    title: str
    body: str
    title_stems: str
    body_stems: str


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer("danish")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stems(text: str) -> str:
    """Danish stems: udskrivelse, udskrivelsen, udskrivelser -> udskriv."""
    return " ".join(_stemmer().stemWords(words(text)))
