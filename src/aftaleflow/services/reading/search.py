"""Full-text search over agreements, agenda items and generated documents.

The index rows are written by the services that change the indexed things, in the same
transaction (`index_*`). SQLite: FTS5 via sqlite-utils over the stemmed columns, ranked by
bm25. PostgreSQL: a tsvector with the 'danish' configuration, ranked by ts_rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlmodel import Session, select

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.meetings import AgendaItem, StoredDocument
from aftaleflow.domain.model import Agreement
from aftaleflow.domain.search import TextIndex, stems, words
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements.cases import concerns
from aftaleflow.services.agreements.part_view import own_bodies
from aftaleflow.services.reading.indexing import index_agreement, index_document, index_item
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
    """Best matches first; every word must match (in any inflection). A part sees only its
    own texts and those common to the agreements that concern it (see `_part_filter`)."""
    ctx.authorize("agreement.read")
    query = clean_text(query, "søgetekst", max_len=200, required=True, single_line=True)
    terms = stems(query).split()
    if not terms:
        raise ValidationFailed("Søgeteksten skal indeholde mindst ét ord.")
    ensure_fts(ctx.engine)
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        where, params = _part_filter(s, ctx.principal)
        if ctx.engine.dialect.name == "postgresql":
            statement = text(
                "SELECT t.id, ts_rank(to_tsvector('danish', t.title || ' ' || t.body), q) AS r "
                "FROM text_index AS t, plainto_tsquery('danish', :q) AS q "
                f"WHERE to_tsvector('danish', t.title || ' ' || t.body) @@ q{where} "
                "ORDER BY r DESC, t.id LIMIT :n OFFSET :o")
            params["q"] = " ".join(words(query))
        else:
            join = " JOIN text_index AS t ON t.id = f.rowid" if where else ""
            statement = text(
                f"SELECT f.rowid, f.rank FROM {FTS_TABLE} AS f{join} "
                f"WHERE {FTS_TABLE} MATCH :m{where} ORDER BY f.rank, f.rowid LIMIT :n "
                "OFFSET :o")
            params["m"] = " ".join(f'"{t}"*' for t in terms)
        if "own" in params:
            statement = statement.bindparams(bindparam("own", expanding=True))
        # Read in batches: a part's rows of agreements that do not concern it are dropped
        # after the query (`concerns` is not SQL), so one batch could leave it short.
        hits: list[SearchHit] = []
        batch, offset = limit * 3, 0
        while len(hits) < limit:
            ids = [r[0] for r in s.execute(statement, {**params, "n": batch, "o": offset})]
            found = {r.id: r for r in s.exec(select(TextIndex).where(
                TextIndex.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
            hits += [SearchHit(kind=row.kind, kind_label=KIND_LABELS[row.kind],
                               ref_id=row.ref_id, agreement_id=row.agreement_id,
                               title=row.title, snippet=_snippet(row.body, query))
                     for row in (found[i] for i in ids) if _concerns_part(s, ctx.principal, row)]
            if len(ids) < batch:
                break
            offset += batch
        return hits[:limit]


def _part_filter(session: Session, principal: Principal) -> tuple[str, dict[str, Any]]:
    """For a part: rows its own party owns (its body, and a council's committees), or rows
    of an agreement owned by no one (the agreement's texts, documents for all parties).
    Another council's items, drafts and letters never match."""
    if principal.role != Role.PARTY:
        return "", {}
    return (" AND (t.owner_body_id IN :own OR "
            "(t.owner_body_id IS NULL AND t.agreement_id IS NOT NULL))",
            {"own": own_bodies(session, principal) or [-1]})


def _concerns_part(session: Session, principal: Principal, row: TextIndex) -> bool:
    """A common row is shown to a part only for an agreement that concerns it."""
    if principal.role != Role.PARTY or row.owner_body_id is not None:
        return True
    agreement = session.get(Agreement, row.agreement_id)
    return agreement is not None and concerns(session, principal, agreement)


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
