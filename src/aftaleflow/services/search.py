"""Full-text search over agreements, agenda items and generated documents.

The index rows are written by the services that change the indexed things, in the same
transaction (`index_*`). SQLite: FTS5 via sqlite-utils over the stemmed columns, ranked by
bm25. PostgreSQL: a tsvector with the 'danish' configuration, ranked by ts_rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.meetings import AgendaItem, StoredDocument
from aftaleflow.domain.model import Agreement
from aftaleflow.domain.search import TextIndex, stems, words
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements import concerns
from aftaleflow.services.indexing import index_agreement, index_document, index_item
from aftaleflow.services.uow import ServiceContext, UnitOfWork

FTS_TABLE = "text_index_fts"
KIND_LABELS = {"agreement": "Samarbejdsaftale", "agenda_item": "Dagsordenpunkt",
               "document": "Dokument"}


@dataclass(frozen=True)
class SearchHit:
    kind: str
    kind_label: str
    ref_id: int
    agreement_id: int | None
    title: str
    snippet: str


def ensure_fts(engine: Engine) -> None:
    """SQLite: create the FTS5 table and its sync triggers once (filled from the index)."""
    if engine.dialect.name != "sqlite":
        return
    import sqlite_utils

    raw = engine.raw_connection()
    try:
        db = sqlite_utils.Database(raw.driver_connection)
        if not db[FTS_TABLE].exists() and db["text_index"].exists():
            db["text_index"].enable_fts(  # type: ignore[union-attr]
                ["title_stems", "body_stems"], create_triggers=True,
                tokenize="unicode61 remove_diacritics 0")
    finally:
        raw.close()


def search(ctx: ServiceContext, query: str, *, limit: int = 20) -> list[SearchHit]:
    """Best matches first; every word must match (in any inflection)."""
    ctx.authorize("agreement.read")
    query = clean_text(query, "søgetekst", max_len=200, required=True, single_line=True)
    terms = stems(query).split()
    if not terms:
        raise ValidationFailed("Søgeteksten skal indeholde mindst ét ord.")
    ensure_fts(ctx.engine)
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        if ctx.engine.dialect.name == "postgresql":
            rows = s.execute(text(
                "SELECT id, ts_rank(to_tsvector('danish', title || ' ' || body), q) AS r "
                "FROM text_index, plainto_tsquery('danish', :q) AS q "
                "WHERE to_tsvector('danish', title || ' ' || body) @@ q "
                "ORDER BY r DESC, id LIMIT :n"), {"q": " ".join(words(query)), "n": limit * 3})
        else:
            match = " ".join(f'"{t}"*' for t in terms)
            rows = s.execute(text(
                f"SELECT rowid, rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m "
                "ORDER BY rank, rowid LIMIT :n"), {"m": match, "n": limit * 3})
        ids = [r[0] for r in rows]
        found = {r.id: r for r in s.exec(select(TextIndex).where(
            TextIndex.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
        hits = []
        for row_id in ids:
            row = found[row_id]
            if row.agreement_id is not None and ctx.principal.role == "part":
                agreement = s.get(Agreement, row.agreement_id)
                if agreement is None or not concerns(s, ctx.principal, agreement):
                    continue
            hits.append(SearchHit(kind=row.kind, kind_label=KIND_LABELS[row.kind],
                                  ref_id=row.ref_id, agreement_id=row.agreement_id,
                                  title=row.title, snippet=_snippet(row.body, query)))
        return hits[:limit]


def _snippet(body: str, query: str, width: int = 160) -> str:
    lowered = body.lower()
    positions = [lowered.find(w[:5]) for w in words(query) if lowered.find(w[:5]) >= 0]
    start = max(0, min(positions) - 40) if positions else 0
    text_ = " ".join(body[start:start + width].split())
    return ("…" if start else "") + text_ + ("…" if start + width < len(body) else "")


def reindex(ctx: ServiceContext) -> int:
    """Rebuild the whole index (after an upgrade, or to pick up old documents)."""
    ctx.authorize("masterdata.admin")
    with UnitOfWork(ctx) as uow:
        s = uow.session
        for agreement in s.exec(select(Agreement)):
            index_agreement(s, agreement)
        for item in s.exec(select(AgendaItem)):
            index_item(s, item)
        for document in s.exec(select(StoredDocument)):
            if Path(document.path).exists():
                index_document(s, document)
        uow.commit()
        count = len(s.exec(select(TextIndex.id)).all())
    ensure_fts(ctx.engine)
    return count
