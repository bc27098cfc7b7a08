"""A read of one statement on PostgreSQL (every API request's token check, every public
request's data version) runs in autocommit: no BEGIN and ROLLBACK round trips around it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from aftaleflow.services.access.sessions import authenticate
from aftaleflow.services.access.users import create_user
from aftaleflow.services.reading.public import public_stamp
from aftaleflow.services.uow import ServiceContext
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="psycopg's transactions")


@contextmanager
def _commands(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    seen: list[bytes] = []
    real = psycopg.Connection._exec_command

    def spy(self: psycopg.Connection, command: bytes, *args: object, **kwargs: object) -> object:
        seen.append(bytes(command))
        return real(self, command, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Connection, "_exec_command", spy)
        yield seen


def test_the_token_check_and_the_public_data_version_open_no_transaction(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    user, token = create_user(ctx, "Tove Token", "leder", None, days=30)
    authenticate(ctx.engine, token, ctx.now())  # marks the token used: a write, once a minute
    with _commands(monkeypatch) as seen:
        principal = authenticate(ctx.engine, token, ctx.now())
        public_stamp(ctx)
    assert principal is not None and principal.user_id == user.id
    assert not [c for c in seen if c.startswith((b"BEGIN", b"ROLLBACK"))], seen
    assert authenticate(ctx.engine, token[:-1] + "x", ctx.now()) is None
