"""Engines: SQLite (WAL, serialised writers) by default, PostgreSQL by URL.

On SQLite every write transaction starts with BEGIN IMMEDIATE (SQLAlchemy's documented
pysqlite recipe), so reading the audit chain's head and appending the next link happen under
one lock; with the driver's default deferred BEGIN the chain forks silently under concurrent
writers (see shared/stack-notes.md). Read-only work uses a deferred BEGIN and does not block.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import SQLModel

from aftaleflow.config import get_settings
from aftaleflow.domain import meetings, model, outbox

TABLE_MODULES = (model, meetings, outbox)  # imported for their tables, which register on import

READ_ONLY = {"aftaleflow_read_only": True}


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get("aftaleflow_read_only")
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@lru_cache(maxsize=8)
def _cached_engine(url: str) -> Engine:
    return make_engine(url)


def get_engine(url: str | None = None) -> Engine:
    return _cached_engine(url or get_settings().database_url)


def create_schema(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)
