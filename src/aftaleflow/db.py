"""Engines: SQLite (WAL, serialised writers) by default, PostgreSQL by URL.

On SQLite every write transaction starts with BEGIN IMMEDIATE (SQLAlchemy's documented
pysqlite recipe), so reading the audit chain's head and appending the next link happen under
one lock; with the driver's default deferred BEGIN the chain forks silently under concurrent
writers (see shared/stack-notes.md). Read-only work uses a deferred BEGIN and does not block.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from aftaleflow.config import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import MetaData

TABLE_MODULES = ("model", "meetings", "outbox", "search", "texts")
"""The modules of `aftaleflow.domain` whose classes are the tables. A service imports the
tables it uses; `all_tables()` imports every one (Alembic's view of the schema), so a read
such as `aftaleflow agreement show` does not build the classes of meetings, mail and texts."""


def all_tables() -> MetaData:
    """SQLModel's metadata with every table of the schema registered on it."""
    from importlib import import_module

    from sqlmodel import SQLModel

    for name in TABLE_MODULES:
        import_module(f"aftaleflow.domain.{name}")
    return SQLModel.metadata

READ_ONLY = {"aftaleflow_read_only": True}


def one_read(engine: Engine) -> Engine:
    """The engine for a read of one statement: on SQLite a deferred BEGIN (READ_ONLY); on
    PostgreSQL autocommit. One statement reads one snapshot either way, and the BEGIN and
    ROLLBACK around it were two of the three round trips of every API request's token check."""
    if engine.dialect.name != "postgresql":
        return engine.execution_options(**READ_ONLY)
    return engine.execution_options(isolation_level="AUTOCOMMIT", **READ_ONLY)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# PostgreSQL connections kept per process. A uvicorn worker serves a dozen requests at once
# under load (`aftaleflow api --workers 4`, 50 clients); with SQLAlchemy's default of 5 kept
# and 10 more made on demand, every request past the fifth opened a new server connection
# (a new server process) and closed it again after. 4 workers × (15 + 5) stays well under a
# server's max_connections (100 by default, 200 in CI).
POOL_SIZE = 15
POOL_OVERFLOW = 5


# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out;
# one used more recently is trusted. Pinging every checkout (SQLAlchemy's pool_pre_ping) cost
# a round trip and a sixth of a transition's client CPU. If the server went away within the
# last seconds, the first statement on such a connection fails like any statement during an
# outage (503 / exit code 7), and SQLAlchemy then renews every connection of the pool.
IDLE_PING_SECONDS = 5.0


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        _ping_when_idle(engine, IDLE_PING_SECONDS)
        return engine
    path = url.split("///", 1)[-1]
    extra: dict[str, Any] = {}
    if path and path != ":memory:" and not path.startswith("file:"):  # URIs: used as given
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        extra["creator"] = lambda: _open_sqlite(path)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           **extra)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not isinstance(dbapi_conn, ReadOnlyFile):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # On the driver's connection: every write starts here, and going through
        # `exec_driver_sql` cost more than the BEGIN itself; errors are wrapped the same way.
        statement = ("BEGIN" if conn.get_execution_options().get("aftaleflow_read_only")
                     else "BEGIN IMMEDIATE")
        try:
            conn.connection.dbapi_connection.execute(statement)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc

    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only when it has been idle `idle_seconds`.

    SQLAlchemy's documented custom pessimistic check: a failed ping raises
    DisconnectionError, and the pool discards the connection and hands out another.
    """
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["aftaleflow_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("aftaleflow_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise DisconnectionError("the pooled connection did not answer a ping")


def driver_error(conn: Connection, statement: str, params: Any, exc: Exception,
                 cursor: Any = None) -> StatementError:
    """A driver error raised past SQLAlchemy's execute (compiled statements, pipelines),
    wrapped as SQLAlchemy wraps it, and handled as it handles a lost connection: the
    connection is discarded, never reset and pooled again, and every other connection the
    pool opened before it is renewed on its next checkout."""
    dbapi = conn.connection.dbapi_connection
    lost = conn.dialect.is_disconnect(exc, dbapi, cursor)  # type: ignore[arg-type]
    if lost and not conn.invalidated:
        conn.engine.pool._invalidate(conn.connection, exc)  # what SQLAlchemy itself does
        conn.invalidate(exc)
    return DBAPIError.instance(statement, params, exc, conn.dialect.loaded_dbapi.Error,
                               connection_invalidated=lost)


@contextmanager
def one_round_trip(conn: Connection) -> Iterator[None]:
    """Statements run inside go to PostgreSQL together (psycopg's pipeline): one round trip.

    The server still runs them one after the other, each with its own snapshot under READ
    COMMITTED; their results are read after the block. Elsewhere they simply run in turn.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    try:
        with dbapi.pipeline():  # type: ignore[union-attr]
            yield
    except conn.dialect.loaded_dbapi.Error as exc:  # raised when the pipeline syncs
        raise driver_error(conn, "pipeline", {}, exc) from exc


class ReadOnlyFile(sqlite3.Connection):
    """A database file this process cannot write (read-only file or directory, immutable,
    read-only mount), opened for reading only: reads work, every write is refused by SQLite
    ("attempt to write a readonly database"), which the adapters answer in Danish."""


def _open_sqlite(path: str) -> sqlite3.Connection:
    """Open read-write as usual; when that is impossible but the file is there, read-only.

    In WAL mode even a reader must create the -wal and -shm files next to the database, so
    an unwritable directory makes plain reads fail with "unable to open database file". The
    fallback opens the file as immutable (no WAL files, no locks): nobody can change it.
    """
    try:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if not Path(path).is_file() or not ("unable to open" in text or "readonly" in text):
            raise
    uri = f"file:{quote(str(Path(path).resolve()))}?immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30,
                           factory=ReadOnlyFile)


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


class Prepared:
    """A Core statement compiled once per dialect and run on the caller's DB-API cursor.

    For the few statements of every transition (the versioned UPDATE, the chain's head, the
    audit INSERT) SQLAlchemy's per-execution bookkeeping costs more than the statements
    themselves (measured: about 20 µs against 1 µs on SQLite). The SQL still comes from
    Core, with the same bind processing and error wrapping; it runs inside the caller's
    transaction on the caller's connection.
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def run(self, conn: Connection, params: dict[str, Any]) -> Any:
        """Execute with `params`; returns the DB-API cursor (rowcount, fetchone)."""
        compiled = self._compiled_for(conn.dialect, params)
        return self._execute(conn, compiled.sql, compiled.values(params), many=False)

    def run_many(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Execute once per row (same keys in every row) with the driver's executemany."""
        if not rows:
            return
        compiled = self._compiled_for(conn.dialect, rows[0])
        self._execute(conn, compiled.sql, [compiled.values(row) for row in rows], many=True)

    def first(self, conn: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a SELECT with the column types' result processing (SQLite's
        ISO text becomes dates and datetimes, as Core gives them), or None."""
        compiled = self._compiled_for(conn.dialect, params)
        row = self._execute(conn, compiled.sql, compiled.values(params), many=False).fetchone()
        if row is None:
            return None
        return tuple(value if process is None or value is None else process(value)
                     for value, process in zip(row, compiled.results, strict=True))

    def _compiled_for(self, dialect: Dialect, params: dict[str, Any]) -> _Compiled:
        key = (dialect.name, frozenset(params))
        return self._compiled.get(key) or self._compile(dialect, key)

    @staticmethod
    def _execute(conn: Connection, sql: str, values: Any, *, many: bool) -> Any:
        dialect = conn.dialect
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            (cursor.executemany if many else cursor.execute)(sql, values)
        except dialect.loaded_dbapi.Error as exc:
            raise driver_error(conn, sql, values, exc, cursor) from exc
        return cursor

    def _compile(self, dialect: Dialect, key: tuple[str, frozenset[str]]) -> _Compiled:
        compiled = cast(SQLCompiler, self.statement.compile(dialect=dialect,
                                                            column_keys=sorted(key[1])))
        if compiled.post_compile_params:
            raise ValueError("Prepared takes no expanding IN (...); spell the values out")
        processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                      for bind, name in compiled.bind_names.items()}
        self._compiled[key] = result = _Compiled(
            compiled.string, compiled.construct_params,
            tuple(compiled.positiontup) if compiled.positiontup else None,
            {name: p for name, p in processors.items() if p is not None},
            tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                  for column in getattr(self.statement, "exported_columns", ())))
        return result


@dataclass(frozen=True)
class _Compiled:
    sql: str
    construct: Callable[..., Any]
    positions: tuple[str, ...] | None  # qmark drivers (sqlite3); None: named (psycopg)
    processors: dict[str, Callable[[Any], Any]]
    results: tuple[Callable[[Any], Any] | None, ...]  # per selected column

    def values(self, params: dict[str, Any]) -> Any:
        bound = self.construct(params)
        for name, process in self.processors.items():
            bound[name] = process(bound[name])
        return [bound[n] for n in self.positions] if self.positions else bound
