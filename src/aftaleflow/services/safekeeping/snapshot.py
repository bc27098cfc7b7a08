"""What a backup's manifest records about a database, read in one snapshot.

The schema revision (Alembic), the rows of every table, and the audit chain's head. On
SQLite the facts are read from the finished copy itself; on PostgreSQL in the very snapshot
pg_dump dumps (exported with `pg_export_snapshot()`), so they describe exactly the backup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, inspect, text

from aftaleflow import audit


@dataclass(frozen=True)
class Facts:
    schema_revision: str | None
    tables: dict[str, int]
    head: audit.Head

    def as_manifest(self) -> dict[str, Any]:
        return {"schema_revision": self.schema_revision, "tables": self.tables,
                "audit": {"events": self.head.count, "head_event_id": self.head.event_id,
                          "head_hash": self.head.hash}}


def _quoted(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def table_names(conn: Connection) -> list[str]:
    """Our tables (SQLite's internal ones and FTS shadow tables are counted with their
    virtual table, since SQLite forbids some reads of them directly)."""
    names = inspect(conn).get_table_names()
    virtual = {n for n in names if n.endswith(("_fts", "_fts5"))}
    return sorted(n for n in names if not n.startswith("sqlite_")
                  and not any(n.startswith(f"{v}_") for v in virtual))


def read_facts(conn: Connection) -> Facts:
    """Counts, revision and head on `conn`, inside whatever transaction it holds."""
    tables = {name: int(conn.execute(text(f"SELECT count(*) FROM {_quoted(conn, name)}"))
                        .scalar_one()) for name in table_names(conn)}
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = audit.head(conn) if "audit_event" in tables else audit.Head(None, audit.GENESIS, 0)
    return Facts(revision, tables, head)


def is_empty(conn: Connection) -> bool:
    """No tables at all (a database fresh from `createdb`, or a new SQLite file)."""
    return not table_names(conn)
