"""search folds Danish spellings: re-index the stems; PostgreSQL searches them (GIN index)

Every word is now folded before stemming (å -> aa, æ -> ae, ø -> oe, other accents dropped),
so rows indexed before are stemmed again. PostgreSQL matches the stemmed columns with a
`simple` tsvector, like SQLite's FTS5 table, and gets a GIN index on that expression (named
like the hand-built full-text tables, which autogenerate leaves alone). SQLite's FTS5 table
follows the UPDATEs through its triggers.

Revision ID: 20261206_i21b
Revises: 20261206_i20b
Create Date: 2026-12-06 05:40:00
"""

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_i21b"
down_revision: str | None = "20261206_i20b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "text_index_stems_fts"


def upgrade() -> None:
    from aftaleflow.domain.search import stems

    _restem(stems)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {INDEX} ON text_index USING gin "
                   "(to_tsvector('simple', title_stems || ' ' || body_stems))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    _restem(_unfolded_stems)


def _unfolded_stems(text: str) -> str:
    """The rule before this revision: words as written (æ, ø, å kept), then stemmed."""
    import snowballstemmer

    return " ".join(snowballstemmer.stemmer("danish").stemWords(
        re.findall(r"\w+", text.lower())))


def _restem(stems: Callable[[str], str]) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, title, body FROM text_index ORDER BY id")).all()
    update = sa.text("UPDATE text_index SET title_stems = :t, body_stems = :b WHERE id = :i")
    for start in range(0, len(rows), 500):
        conn.execute(update, [{"i": i, "t": stems(title), "b": stems(body)}
                              for i, title, body in rows[start:start + 500]])
