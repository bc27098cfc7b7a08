"""Full-text search over agreements, agenda items and generated documents.

The index rows are written by the services that change the indexed things, in the same
transaction (`index_*`). Both backends match the folded, stemmed columns (domain/search.py):
every word of the query must begin a word of the title or text (SQLite: FTS5 via sqlite-utils;
PostgreSQL: a `simple` tsvector, GIN-indexed, with prefix terms). Both rank by one rule, in the
same SQL (`RANKING`): titles holding more of the query's words first, then agreements before
agenda items before documents, then the newest first (the higher id) — so the same hits come
in the same order on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlmodel import Session, select

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.meetings import AgendaItem, StoredDocument
from aftaleflow.domain.model import Agreement
from aftaleflow.domain.search import TextIndex, fold, stems, words
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements.part_view import concerns, own_bodies
from aftaleflow.services.reading.indexing import index_agreement, index_document, index_item
from aftaleflow.services.uow import ServiceContext, UnitOfWork, reader_of

FTS_TABLE = "text_index_fts"
WORD_IN_TEXT = re.compile(r"[^\W_]+")
KIND_LABELS = {"agreement": "Samarbejdsaftale", "agenda_item": "Dagsordenpunkt",
               "document": "Dokument"}
PG_VECTOR = "to_tsvector('simple', t.title_stems || ' ' || t.body_stems)"
"""The expression the PostgreSQL GIN index ix_text_index_stems_tsv is built on."""
KIND_ORDER = "CASE t.kind WHEN 'agreement' THEN 0 WHEN 'agenda_item' THEN 1 ELSE 2 END"


def _ranking(terms: list[str]) -> tuple[str, dict[str, str]]:
    """ORDER BY for both backends: query words found at the start of a title word (more
    first), then the kind, then the newest row; the id makes every order total."""
    in_title = " + ".join(f"CASE WHEN ' ' || t.title_stems LIKE :t{i} THEN 1 ELSE 0 END"
                          for i in range(len(terms)))
    return (f"({in_title}) DESC, {KIND_ORDER}, t.id DESC",
            {f"t{i}": f"% {term}%" for i, term in enumerate(terms)})


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
    terms = list(dict.fromkeys(stems(query).split()))
    if not terms:
        raise ValidationFailed("Søgeteksten skal indeholde mindst ét ord.")
    ensure_fts(ctx.engine)
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        where, params = _part_filter(s, ctx.principal)
        order, ranks = _ranking(terms)
        params.update(ranks)
        if ctx.engine.dialect.name == "postgresql":
            statement = text(
                f"SELECT t.id FROM text_index AS t WHERE {PG_VECTOR} @@ CAST(:q AS tsquery)"
                f"{where} ORDER BY {order} LIMIT :n OFFSET :o")
            params["q"] = " & ".join(f"'{t}':*" for t in terms)
        else:
            statement = text(
                f"SELECT t.id FROM {FTS_TABLE} AS f JOIN text_index AS t ON t.id = f.rowid "
                f"WHERE {FTS_TABLE} MATCH :m{where} ORDER BY {order} LIMIT :n OFFSET :o")
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
            {"own": own_bodies(reader_of(session), principal) or [-1]})


def _concerns_part(session: Session, principal: Principal, row: TextIndex) -> bool:
    """A common row is shown to a part only for an agreement that concerns it."""
    if principal.role != Role.PARTY or row.owner_body_id is not None:
        return True
    agreement = session.get(Agreement, row.agreement_id)
    return agreement is not None and concerns(reader_of(session), principal, agreement)


def _snippet(body: str, query: str, width: int = 160) -> str:
    """Text around the first word that begins like a query word (in either spelling)."""
    wanted = tuple(fold(w)[:5] for w in words(query))
    first = next((m.start() for m in WORD_IN_TEXT.finditer(body)
                  if fold(m.group()).startswith(wanted)), None)
    start = max(0, first - 40) if first is not None else 0
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
