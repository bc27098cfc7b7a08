"""Who acts, when, against which database, and a read on SQLAlchemy Core.

Passed to every service (`ServiceContext`). Nothing here builds the ORM: a read that needs no
SQLModel class (`aftaleflow agreement show`) opens `read_only(ctx)` and reads plain rows
through a `Reader`; a service inside a unit of work reads through the same functions with
`uow.reader` (the session's connection and its per-transaction memo).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Executable
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from aftaleflow.config import TIMEZONE, today_override
from aftaleflow.db import READ_ONLY, get_engine
from aftaleflow.domain.access import ACTION_LABELS, LOCAL_OPERATOR, ROLE_LABELS, Principal
from aftaleflow.domain.errors import DomainError, PermissionDenied

if TYPE_CHECKING:
    from sqlmodel import Session


def _system_clock() -> datetime:
    """Now in Denmark; AFTALEFLOW_TODAY moves the date (demos, trying out deadlines)."""
    now = datetime.now(TIMEZONE).replace(microsecond=0)
    override = today_override()  # not get_settings(): the clock is read several times a request
    return datetime.combine(override, now.timetz()) if override else now


def default_actor() -> str:
    return os.environ.get("AFTALEFLOW_ACTOR") or getpass.getuser()


@dataclass
class ServiceContext:
    """Who acts, when, and against which database: passed to every service."""

    engine: Engine = field(default_factory=get_engine)
    actor: str = field(default_factory=default_actor)
    clock: Callable[[], datetime] = _system_clock
    principal: Principal = LOCAL_OPERATOR

    def now(self) -> datetime:
        return self.clock()

    def authorize(self, action: str) -> None:
        """Refuse an action the principal's role does not allow (same for CLI and API)."""
        if not self.principal.may(action):
            raise PermissionDenied(
                f"Rollen '{ROLE_LABELS[self.principal.role]}' må ikke "
                f"{ACTION_LABELS[action]}."
            )


@dataclass
class Reader:
    """One transaction's connection for Core reads, and the answers worked out once in it
    (`memo`: a unit of work's `session.info`, so ORM and Core reads share them).

    `orm()` is the way into the ORM for a rare branch (a ceased region's master data, a
    carried-over implementation): the unit of work's session, or one made on this
    connection when first asked (only then is SQLModel imported).
    """

    conn: Connection
    memo: dict[Any, Any] = field(default_factory=dict)
    session: Session | None = None

    def rows(self, statement: Executable, params: dict[str, Any] | None = None) -> list[Any]:
        """Every row (`Row`: columns by attribute and by position)."""
        return list(self.conn.execute(statement, params or {}))

    def first(self, statement: Executable, params: dict[str, Any] | None = None) -> Any:
        """The first row, or None."""
        return self.conn.execute(statement, params or {}).first()

    def orm(self) -> Session:
        if self.session is None:
            from sqlmodel import Session

            self.session = Session(bind=self.conn)
        return self.session


def reader_of(session: Session) -> Reader:
    """The session's connection as a Reader; pending ORM changes are flushed first (what
    the session's autoflush does before its own queries)."""
    session.flush()
    return Reader(session.connection(), session.info, session)


@contextmanager
def read_only(ctx: ServiceContext) -> Iterator[Reader]:
    """A read-only transaction on Core (SQLite: a deferred BEGIN), as `UnitOfWork(ctx,
    read_only=True)` opens one; a database that cannot answer becomes DatabaseUnavailable."""
    try:
        with ctx.engine.execution_options(**READ_ONLY).connect() as conn, conn.begin():
            reader = Reader(conn)
            try:
                yield reader
            finally:
                if reader.session is not None:
                    reader.session.close()
    except DATABASE_AWAY as exc:
        raise DatabaseUnavailable(_db_message(exc)) from exc


class DatabaseUnavailable(DomainError):
    exit_code = 7


DATABASE_AWAY = (OperationalError, InterfaceError, PoolTimeout)
"""The driver errors that mean the database cannot do the work now (away, locked, read-only,
full), as opposed to a wrong query: every adapter answers them as DatabaseUnavailable."""


# What a driver says when the server is away (stopped, restarting, unreachable, failing over).
_UNREACHABLE = ("connection failed", "connection refused", "could not connect",
                "server closed the connection", "terminating connection", "connection is closed",
                "the database system is shutting down", "the database system is starting up",
                "the database system is in recovery mode", "connection timeout expired",
                "consuming input failed", "no route to host", "queuepool limit")
NOT_ANSWERING = "Databasen svarer ikke; prøv igen om lidt. Intet er gemt."


def database_unreachable(exc: BaseException) -> bool:
    """True when the error says the database server cannot be reached (not a bad query)."""
    if getattr(exc, "connection_invalidated", False):
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(sign in text for sign in _UNREACHABLE)


def _db_message(exc: Exception) -> str:
    if database_unreachable(exc):
        return NOT_ANSWERING
    text = str(getattr(exc, "orig", None) or exc)
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return "Databasen er ikke oprettet endnu: kør 'aftaleflow init' først."
    if "readonly" in text or "read-only" in text:
        return "Databasen er skrivebeskyttet; intet er gemt."
    if "disk" in text and "full" in text:
        return "Disken er fuld; intet er gemt."
    if "locked" in text:
        return "Databasen er optaget af en anden proces; prøv igen om lidt. Intet er gemt."
    return f"Databasefejl: {text}. Intet er gemt."
