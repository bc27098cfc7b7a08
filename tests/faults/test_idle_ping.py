"""A pooled PostgreSQL connection idle for a while is pinged before use; one the server has
closed in the meantime is replaced without the caller seeing an error."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from aftaleflow import db
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's pool")


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    other = db.make_engine(url)
    try:
        with other.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            conn.commit()
    finally:
        other.dispose()


def test_an_idle_connection_closed_by_the_server_is_replaced_without_an_error(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    engine = db.make_engine(db_url)
    try:
        first = _backend_pid(engine)
        _terminate(db_url, first)
        assert _backend_pid(engine) != first  # no error: the ping found it gone
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(db_url)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first and pings == []
    finally:
        engine.dispose()


def test_a_compiled_statement_that_finds_its_connection_gone_discards_it(
        db_url: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.exc import DBAPIError

    from aftaleflow.db import Prepared

    statement = Prepared(select(text("1")))
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            _terminate(db_url, int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one()))
            with pytest.raises(DBAPIError) as raised:
                statement.run(conn, {})
            assert raised.value.connection_invalidated and conn.invalidated
        with engine.connect() as conn:  # a new one, no error and nothing reset on a dead one
            assert statement.run(conn, {}).fetchone() == (1,)
    finally:
        engine.dispose()
