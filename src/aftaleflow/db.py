"""Engines: SQLite (WAL, serialised writers) by default, PostgreSQL by URL.

On SQLite every write transaction starts with BEGIN IMMEDIATE (SQLAlchemy's documented
pysqlite recipe), so reading the audit chain's head and appending the next link happen under
one lock; with the driver's default deferred BEGIN the chain forks silently under concurrent
writers (see shared/stack-notes.md). Read-only work uses a deferred BEGIN and does not block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.pool import NullPool

from aftaleflow.config import PROJECT_ROOT, get_settings
from aftaleflow.domain import meetings, model, outbox, search, texts

if TYPE_CHECKING:
    from alembic.config import Config

TABLE_MODULES = (model, meetings, outbox, search, texts)  # imported so their tables register

READ_ONLY = {"aftaleflow_read_only": True}


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.split("///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):  # URIs: used as given
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


MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, found from the package (works from any directory)."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A plain connection for DDL: on SQLite without the BEGIN IMMEDIATE listeners."""
    if is_sqlite(engine):
        path = engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(engine.url, poolclass=NullPool)
    with engine.begin() as conn:
        yield conn


def _stamp_if_made_before_migrations(conn: Connection) -> None:
    """A database made by `create_all` before migrations existed starts at the first one."""
    from alembic import command
    from alembic.script import ScriptDirectory

    names = set(inspect(conn).get_table_names())
    if "alembic_version" in names or "agreement" not in names:
        return
    config = alembic_config(conn)
    base = ScriptDirectory.from_config(config).get_base()
    command.stamp(config, base or "head")


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with _migration_connection(engine) as conn:
        _stamp_if_made_before_migrations(conn)
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with _migration_connection(engine) as conn:
        command.downgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: no migrations run yet)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def create_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic is the only way it changes)."""
    upgrade(engine)
