"""Unit of work: one transaction per service call, with the audit append built in.

A service opens it, loads, asks the machine, changes rows, records audit events and commits.
Leaving the block without `commit()` rolls everything back, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from types import TracebackType
from typing import Any, TypeVar, cast

from sqlalchemy import bindparam, inspect, update
from sqlalchemy.orm import Mapper, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel

from aftaleflow import audit
from aftaleflow.db import READ_ONLY, Prepared
from aftaleflow.domain.errors import Conflict
from aftaleflow.services.context import (  # noqa: F401  (re-exported: services import them here)
    DATABASE_AWAY,
    NOT_ANSWERING,
    DatabaseUnavailable,
    Reader,
    ServiceContext,
    _db_message,
    _system_clock,
    database_unreachable,
    default_actor,
    reader_of,
)

T = TypeVar("T")
M = TypeVar("M", bound=SQLModel)


CHANGED_MEANWHILE = ("Sagen er ændret af en anden i mellemtiden; intet er gemt. Hent den igen "
                     "og prøv påny.")


class UnitOfWork:
    def __init__(self, ctx: ServiceContext, *, read_only: bool = False,
                 audit_at_commit: bool = False) -> None:
        """`audit_at_commit`: the transaction's audit events are appended (in the order
        recorded) just before the commit instead of at once, so the chain's lock, which
        every writer in every process waits for, is held for that append and the commit
        alone rather than also for the rest of the work (the answer read in `commit_with`).
        Only for services that do not read their own events back before committing."""
        self.ctx = ctx
        self._audit_at_commit = audit_at_commit
        self._pending_events: list[dict[str, Any]] = []
        self.now = ctx.now()
        self._read_only = read_only
        self._committed = False
        self.memo: dict[tuple[Any, ...], Any] = {}  # answers worked out once per transaction
        self.chain_locked = False  # PostgreSQL: the audit chain's lock is held already

    @property
    def reader(self) -> Reader:
        """This transaction's connection for the Core read models (pending changes flushed),
        with `session.info` as their memo."""
        return reader_of(self.session)

    def __enter__(self) -> UnitOfWork:
        engine = self.ctx.engine
        bind = engine.execution_options(**READ_ONLY) if self._read_only else engine
        self.session = Session(bind, expire_on_commit=False, autoflush=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed and not self._read_only:
            self.session.rollback()
        self.session.close()  # read-only: rolls back too, but keeps loaded rows readable
        if isinstance(exc, StaleDataError):
            raise Conflict(CHANGED_MEANWHILE) from exc
        if isinstance(exc, DATABASE_AWAY):
            raise DatabaseUnavailable(_db_message(exc)) from exc

    def record(
        self,
        *,
        entity: str,
        entity_id: int | None,
        trigger: str,
        from_state: str | None,
        to_state: str | None,
        agreement_id: int | None = None,
        comment: str | None = None,
        actor: str | None = None,
    ) -> str | None:
        """Append one audit event to the chain in this transaction; returns its hash (None
        when the unit of work appends its events at commit).

        Pending ORM changes are flushed first, so row locks come before the chain lock in
        every service (the order the concurrency tests rely on).
        """
        values = {
            "at": self.now.isoformat(), "actor": actor or self.ctx.actor, "entity": entity,
            "entity_id": entity_id, "agreement_id": agreement_id, "trigger": trigger,
            "from_state": from_state, "to_state": to_state, "comment": comment,
        }
        if self._audit_at_commit:  # flushed all the same: what follows reads the change
            self.session.flush()
            self._pending_events.append(values)
            return None
        return self._append(values)

    @property
    def committed(self) -> bool:
        return self._committed

    @property
    def appends_at_commit(self) -> bool:
        return self._audit_at_commit

    @property
    def has_pending_events(self) -> bool:
        return bool(self._pending_events)

    def commit_in_one_round_trip(self, writes: Callable[[], None] | None = None) -> None:
        """PostgreSQL: `writes` (statements on this transaction's connection), the pending
        audit events and the COMMIT sent together (an error in any: nothing is written); the
        session's own commit then finds the transaction committed and only closes its
        bookkeeping."""
        events, self._pending_events = self._pending_events, []
        self._stale_is_conflict(self.session.flush)
        audit.append_all_and_commit(self.session.connection(), events,
                                    locked=self.chain_locked, before=writes)
        self.chain_locked = True
        self._stale_is_conflict(self.session.commit)
        self._committed = True

    def _append(self, values: dict[str, Any]) -> str:
        self.session.flush()
        locked, self.chain_locked = self.chain_locked, True  # held from here to the commit
        return audit.append_values(self.session.connection(), locked=locked, values=values)

    def save(self, row: SQLModel, **values: Any) -> None:
        """Write `values` and the row's pending changes in one UPDATE ... WHERE version = :seen.

        The same check the ORM's version counter makes, without its flush machinery (the
        costliest part of a transition); a row changed by someone else raises
        StaleDataError, which becomes the usual Danish conflict.
        """
        state = inspect(row)
        mapper = state.mapper
        if state.modified:  # changed through attributes (an effect): those columns go too
            values = {key: getattr(row, key) for key in _column_keys(mapper)
                      if key != "version" and state.attrs[key].history.added} | values
        if not values:
            return
        seen = row.version  # type: ignore[attr-defined]
        conn = self.session.connection()
        # PostgreSQL: the audit chain's lock comes with the UPDATE (RETURNING), one round trip
        # fewer; taken after the row lock, the order every writer uses.
        lock_chain = conn.dialect.name == "postgresql"
        result = _versioned_update(mapper.local_table, lock_chain).run(
            conn, {**values, "version": seen + 1, "b_id": row.id,  # type: ignore[attr-defined]
                   "b_seen": seen})
        if result.rowcount != 1:
            raise StaleDataError(f"row {row.id} is no longer version {seen}")  # type: ignore[attr-defined]
        self.chain_locked = self.chain_locked or lock_chain
        for key, value in values.items():
            set_committed_value(row, key, value)
        set_committed_value(row, "version", seen + 1)

    def commit_with(self, read: Callable[[], T]) -> T:
        """Build the answer inside the transaction, then commit.

        Reading after the commit would open a second transaction (on SQLite a second
        BEGIN IMMEDIATE) just to read back rows this one already holds.
        """
        self.session.flush()
        result = read()
        self.commit()
        return result

    def commit(self) -> None:
        if self._pending_events and self.ctx.engine.dialect.name == "postgresql":
            self.commit_in_one_round_trip()
            return
        events, self._pending_events = self._pending_events, []
        for values in events:
            self._append(values)
        self._stale_is_conflict(self.session.commit)
        self._committed = True

    def _stale_is_conflict(self, write: Callable[[], None]) -> None:
        """Run a flush or commit; a row changed by someone else is the usual conflict."""
        try:
            write()
        except StaleDataError as exc:
            self.session.rollback()
            raise Conflict(CHANGED_MEANWHILE) from exc


def attach(session: Session, model: type[M], values: Sequence[Any]) -> M:
    """The session's instance of `model` for a row of all its columns, in table order.

    What the ORM's loading does, without its per-query machinery (on the load of every
    transition that cost more than the query): the instance joins the session as persistent,
    its history clean; an instance already in the session is returned as it is, as a query
    returns it.
    """
    mapper, keys, key_at = _mapped_columns(model)
    identity = mapper.identity_key_from_primary_key((values[key_at],))
    existing = session.identity_map.get(identity)
    if existing is not None:
        return cast(M, existing)
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(zip(keys, values, strict=True))
    make_transient_to_detached(instance)
    session.add(instance)
    return cast(M, instance)


@cache
def _mapped_columns(model: type[SQLModel]) -> tuple[Mapper[Any], list[str], int]:
    """The mapper, the attribute of each table column in order, and where the key is."""
    configure_mappers()  # a query would have done it; a fresh process may not have run one
    mapper = inspect(model)
    keys = [mapper.get_property_by_column(c).key for c in mapper.local_table.columns]
    [primary_key] = mapper.primary_key
    return mapper, keys, list(mapper.local_table.columns).index(primary_key)


@cache
def _versioned_update(table: Any, lock_chain: bool) -> Prepared:
    statement = update(table).where(table.c.id == bindparam("b_id"),
                                    table.c.version == bindparam("b_seen"))
    return Prepared(statement.returning(audit.CHAIN_LOCK) if lock_chain else statement)


@cache
def _column_keys(mapper: Mapper[Any]) -> tuple[str, ...]:
    return tuple(attr.key for attr in mapper.column_attrs)
