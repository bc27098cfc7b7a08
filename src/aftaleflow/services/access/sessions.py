"""Who is calling: an API token, a calendar feed key or a dashboard session, checked at once.

A revoked, rotated or expired token is refused on the very next request, by the API, the
dashboard and the feed alike. Last use is recorded at most once a minute per user, outside
the caller's transaction, and never stops a request (e.g. on a read-only database).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Engine, bindparam, or_
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select, update

from aftaleflow.db import READ_ONLY, Prepared, one_read
from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.model import User, WebSession
from aftaleflow.services.access.users import FEED_PREFIX, TOKEN_PREFIX, hash_token, token_status
from aftaleflow.services.uow import ServiceContext, UnitOfWork

SESSION_PREFIX = "afs_"
SESSION_HOURS = 12  # a working day; then log in again
USE_GRANULARITY = timedelta(minutes=1)
Clock = Callable[[], datetime]


def authenticate(engine: Engine, token: str, now: datetime) -> Principal | None:
    """The principal for a valid API token, or None."""
    return _by_hash(engine, _BY_TOKEN, token, TOKEN_PREFIX, now)


def authenticate_feed(engine: Engine, key: str, now: datetime) -> Principal | None:
    """The principal for a calendar feed key; only while the user's token is valid too."""
    return _by_hash(engine, _BY_FEED_KEY, key, FEED_PREFIX, now)


class _Caller(NamedTuple):
    """The few columns of a user the token check needs, read as one plain row."""

    id: int
    name: str
    role: str
    body_id: int | None
    active: bool
    token_expires_at: datetime | None
    token_revoked_at: datetime | None
    token_last_used_at: datetime | None
    stored_hash: str | None


def _lookup(column: Any) -> Prepared:
    return Prepared(select(  # type: ignore[call-overload, misc]
        User.id, User.name, User.role, User.body_id, User.active, User.token_expires_at,
        User.token_revoked_at, User.token_last_used_at, column).where(
        column == bindparam("digest")))


# One indexed SELECT per request, compiled once, on a pooled connection without an ORM
# session: the check runs on every API request, and the session and query machinery cost
# more than the query. Nothing is cached between requests, so a revoked, rotated or expired
# token is refused on the very next request by every worker process.
_BY_TOKEN = _lookup(User.token_hash)
_BY_FEED_KEY = _lookup(User.feed_key_hash)


def _by_hash(engine: Engine, lookup: Prepared, secret: str, prefix: str,
             now: datetime) -> Principal | None:
    if not secret.startswith(prefix) or len(secret) > 200:
        return None
    digest = hash_token(secret)
    with one_read(engine).connect() as conn:
        row = lookup.first(conn, {"digest": digest})
    if row is None:
        return None
    user = _Caller(*row)
    if not user.stored_hash or not hmac.compare_digest(user.stored_hash, digest):
        return None
    return _principal_if_valid(engine, user, now)


def _principal_if_valid(engine: Engine, user: User | _Caller, now: datetime
                        ) -> Principal | None:
    if token_status(user, now) != "aktiv":
        return None
    _mark_used(engine, user, now)
    return Principal(name=user.name, role=Role(user.role), user_id=user.id,
                     body_id=user.body_id)


def _mark_used(engine: Engine, user: User | _Caller, now: datetime) -> None:
    last = user.token_last_used_at
    if last is not None and now - last < USE_GRANULARITY:
        return
    try:
        with Session(engine) as session:
            session.exec(update(User).where(
                col(User.id) == user.id,
                or_(col(User.token_last_used_at).is_(None),
                    col(User.token_last_used_at) < now - USE_GRANULARITY),
            ).values(token_last_used_at=now))
            session.commit()
    except SQLAlchemyError:
        pass  # a read-only or busy database must not refuse the request itself


def log_in(ctx: ServiceContext, token: str) -> tuple[str, Principal] | None:
    """A new dashboard session for a valid token: (session key for the cookie, principal)."""
    principal = authenticate(ctx.engine, token, ctx.now())
    if principal is None:
        return None
    key = SESSION_PREFIX + secrets.token_urlsafe(32)
    with UnitOfWork(ctx) as uow:
        user = uow.session.get(User, principal.user_id)
        assert user is not None and user.id is not None and user.token_expires_at is not None
        expires = min(uow.now + timedelta(hours=SESSION_HOURS), user.token_expires_at)
        uow.session.add(WebSession(key_hash=hash_token(key), user_id=user.id,
                                   created_at=uow.now, expires_at=expires))
        uow.record(entity="user", entity_id=user.id, trigger="log_ind", from_state=None,
                   to_state="logget_ind", comment=f"{user.name}: dashboard", actor=user.name)
        uow.commit()
    return key, principal


def session_principal(engine: Engine, key: str, now: datetime) -> Principal | None:
    """The principal of a live dashboard session (not ended, not expired, token valid)."""
    if not key.startswith(SESSION_PREFIX) or len(key) > 200:
        return None
    with Session(engine.execution_options(**READ_ONLY)) as session:
        row = session.exec(select(WebSession, User).join(
            User, col(User.id) == col(WebSession.user_id)).where(
            WebSession.key_hash == hash_token(key))).first()
    if row is None:
        return None
    web, user = row
    if web.ended_at is not None or web.expires_at <= now:
        return None
    return _principal_if_valid(engine, user, now)


def log_out(ctx: ServiceContext, key: str) -> None:
    """End the session on the server: the cookie's key is worthless from now on."""
    with UnitOfWork(ctx) as uow:
        web = uow.session.exec(select(WebSession).where(
            WebSession.key_hash == hash_token(key))).first()
        if web is not None and web.ended_at is None:
            web.ended_at = uow.now
            uow.session.add(web)
            uow.record(entity="user", entity_id=web.user_id, trigger="log_ud",
                       from_state="logget_ind", to_state=None, comment="dashboard")
        uow.commit()
