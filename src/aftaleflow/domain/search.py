"""The text index: one row per searchable thing, with folded, Danish-stemmed words.

Agreements, agenda items and generated documents each get a row, kept current by the
services that change them. Every word is folded first (å -> aa, æ -> ae, ø -> oe, other
accents dropped), so Århus and Aarhus, Åbenrå and Aabenraa, Næstved and Naestved are one
word, then stemmed with the Snowball Danish stemmer. SQLite searches the stemmed columns with
FTS5 (`text_index_fts`), PostgreSQL with a `simple` tsvector over the same columns, and both
rank with one SQL rule (services/reading/search.py): the same hits in the same order.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits; "_" separates, as in FTS5
_DANISH = str.maketrans({"å": "aa", "æ": "ae", "ø": "oe", "ä": "ae", "ö": "oe"})


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


def fold(text: str) -> str:
    """One spelling for the Danish letters and their two-letter forms: å -> aa, æ -> ae,
    ø -> oe (also ä, ö); other accents are dropped (é -> e). Lower case."""
    lowered = text.lower().translate(_DANISH)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stems(text: str) -> str:
    """Folded Danish stems: udskrivelse, udskrivelsen, udskrivelser -> udskriv; Århus and
    Aarhus -> aarhus (folded before stemming, so both spellings stem alike)."""
    return " ".join(_stemmer().stemWords(words(fold(text))))
