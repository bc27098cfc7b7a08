"""Users and their secrets: API token (expires, can be revoked and rotated) and calendar key.

A secret is shown once; only its SHA-256 is stored. Every change is an audit event, and
revoking or rotating a token ends the user's dashboard sessions at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, col, select, update

from aftaleflow.config import get_settings
from aftaleflow.domain.access import ROLE_LABELS, Role
from aftaleflow.domain.errors import Conflict, NotFound, ValidationFailed
from aftaleflow.domain.model import Body, User, WebSession
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.meetings.agenda import find_body
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import Moment

TOKEN_PREFIX = "af_"
FEED_PREFIX = "afk_"
MAX_DAYS = 3650


@dataclass(frozen=True)
class UserView:
    id: int
    name: str
    role: str
    role_label: str
    body: str | None
    token_hint: str
    active: bool
    token_status: str  # aktiv | udløbet | tilbagekaldt | deaktiveret
    token_expires_at: Moment | None
    token_last_used_at: Moment | None
    feed_key_hint: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


class TokenFacts(Protocol):
    """What a token's status is worked out from (a User row, or the token check's row)."""

    @property
    def active(self) -> bool: ...
    @property
    def token_revoked_at(self) -> datetime | None: ...
    @property
    def token_expires_at(self) -> datetime | None: ...


def token_status(user: TokenFacts, now: datetime) -> str:
    if not user.active:
        return "deaktiveret"
    if user.token_revoked_at is not None:
        return "tilbagekaldt"
    if user.token_expires_at is None or user.token_expires_at <= now:
        return "udløbet"
    return "aktiv"


def _lifetime(days: int | None) -> timedelta:
    days = get_settings().token_days if days is None else days
    if not 0 < days <= MAX_DAYS:
        raise ValidationFailed(f"Et token skal gælde mellem 1 og {MAX_DAYS} dage.")
    return timedelta(days=days)


def create_user(ctx: ServiceContext, name: str, role: str, body: str | None = None,
                days: int | None = None) -> tuple[UserView, str]:
    """Create a user and return the token, which is never shown again."""
    ctx.authorize("user.admin")
    name = clean_text(name, "navn", max_len=200, required=True, single_line=True)
    if role not in [r.value for r in Role]:
        raise ValidationFailed(f"Ukendt rolle '{role[:40]}'. Mulige: "
                               f"{', '.join(r.value for r in Role)}.")
    if (role == Role.PARTY) != (body is not None):
        raise ValidationFailed("En part skal bindes til ét organ (--body), og kun en part.")
    token = new_secret(TOKEN_PREFIX)
    lifetime = _lifetime(days)
    with UnitOfWork(ctx) as uow:
        if uow.session.exec(select(User).where(User.name == name)).first():
            raise Conflict(f"Brugeren '{name}' findes allerede.")
        organ = find_body(uow.session, body) if body else None
        user = User(name=name, role=role, body_id=organ.id if organ else None,
                    token_hash=hash_token(token), token_hint=token[:7], created_at=uow.now,
                    token_expires_at=uow.now + lifetime)
        uow.session.add(user)
        uow.session.flush()
        uow.record(entity="user", entity_id=user.id, trigger="opret_bruger", from_state=None,
                   to_state=role, comment=f"{name}" + (f" ({organ.name})" if organ else ""))
        uow.commit()
        return _view(user, organ, uow.now), token


def list_users(ctx: ServiceContext) -> list[UserView]:
    ctx.authorize("user.admin")
    with UnitOfWork(ctx, read_only=True) as uow:
        users = uow.session.exec(select(User).order_by(col(User.id))).all()
        bodies = {b.id: b for b in uow.session.exec(select(Body).where(
            col(Body.id).in_([u.body_id for u in users if u.body_id])))}
        return [_view(u, bodies.get(u.body_id), uow.now) for u in users]


def revoke_token(ctx: ServiceContext, ref: int | str) -> UserView:
    """The token stops working at once: API, dashboard sessions and calendar feed."""
    ctx.authorize("user.admin")
    with UnitOfWork(ctx) as uow:
        user = _find(uow.session, ref)
        if user.token_revoked_at is None:
            user.token_revoked_at = uow.now
            uow.session.add(user)
            _end_sessions(uow, user)
            uow.record(entity="user", entity_id=user.id, trigger="tilbagekald_token",
                       from_state="aktiv", to_state="tilbagekaldt",
                       comment=f"{user.name}: token {user.token_hint}… tilbagekaldt")
        uow.commit()
        return _view(user, _body(uow.session, user), uow.now)


def rotate_token(ctx: ServiceContext, ref: int | str,
                 days: int | None = None) -> tuple[UserView, str]:
    """A new token replaces the old one (which stops working); shown once."""
    ctx.authorize("user.admin")
    token = new_secret(TOKEN_PREFIX)
    lifetime = _lifetime(days)
    with UnitOfWork(ctx) as uow:
        user = _find(uow.session, ref)
        before = token_status(user, uow.now)
        old_hint = user.token_hint
        user.token_hash, user.token_hint = hash_token(token), token[:7]
        user.token_revoked_at, user.token_last_used_at = None, None
        user.token_expires_at = uow.now + lifetime
        uow.session.add(user)
        _end_sessions(uow, user)
        uow.record(entity="user", entity_id=user.id, trigger="forny_token", from_state=before,
                   to_state="aktiv", comment=f"{user.name}: token {old_hint}… erstattet af "
                   f"{user.token_hint}…, gælder til {user.token_expires_at:%Y-%m-%d}")
        uow.commit()
        return _view(user, _body(uow.session, user), uow.now), token


def issue_feed_key(ctx: ServiceContext, ref: int | str | None = None) -> tuple[UserView, str]:
    """A read-only key for the calendar feed (and nothing else); replaces any earlier one.

    Without `ref` a user makes their own key; an administrator may make one for anybody.
    """
    key = new_secret(FEED_PREFIX)
    with UnitOfWork(ctx) as uow:
        user = _own_or_admin(ctx, uow.session, ref)
        trigger = "forny_kalendernoegle" if user.feed_key_hash else "opret_kalendernoegle"
        user.feed_key_hash, user.feed_key_hint = hash_token(key), key[:8]
        uow.session.add(user)
        uow.record(entity="user", entity_id=user.id, trigger=trigger, from_state=None,
                   to_state="aktiv", comment=f"{user.name}: kalendernøgle {key[:8]}…")
        uow.commit()
        return _view(user, _body(uow.session, user), uow.now), key


def revoke_feed_key(ctx: ServiceContext, ref: int | str | None = None) -> UserView:
    with UnitOfWork(ctx) as uow:
        user = _own_or_admin(ctx, uow.session, ref)
        if user.feed_key_hash is not None:
            uow.record(entity="user", entity_id=user.id, trigger="tilbagekald_kalendernoegle",
                       from_state="aktiv", to_state="tilbagekaldt",
                       comment=f"{user.name}: kalendernøgle {user.feed_key_hint}…")
            user.feed_key_hash = None
            uow.session.add(user)
        uow.commit()
        return _view(user, _body(uow.session, user), uow.now)


def _own_or_admin(ctx: ServiceContext, session: Session, ref: int | str | None) -> User:
    own = ctx.principal.user_id
    if ref is None or ref == own:
        if own is None:
            raise ValidationFailed("Angiv brugeren (navn eller nummer).")
        ctx.authorize("feed.own")
        return _find(session, own)
    ctx.authorize("user.admin")
    return _find(session, ref)


def _end_sessions(uow: UnitOfWork, user: User) -> None:
    uow.session.exec(update(WebSession).where(
        col(WebSession.user_id) == user.id, col(WebSession.ended_at).is_(None)
    ).values(ended_at=uow.now))


def _find(session: Session, ref: int | str) -> User:
    if isinstance(ref, int) or ref.isdigit():
        user = session.get(User, int(ref))
    else:
        user = session.exec(select(User).where(User.name == ref.strip())).first()
    if user is None:
        raise NotFound(f"Brugeren '{str(ref)[:60]}' findes ikke. Se 'aftaleflow user list'.")
    return user


def _body(session: Session, user: User) -> Body | None:
    return session.get(Body, user.body_id) if user.body_id else None


def _view(user: User, body: Body | None, now: datetime) -> UserView:
    assert user.id is not None
    return UserView(id=user.id, name=user.name, role=user.role,
                    role_label=ROLE_LABELS[Role(user.role)], body=body.name if body else None,
                    token_hint=user.token_hint + "…", active=user.active,
                    token_status=token_status(user, now),
                    token_expires_at=user.token_expires_at,
                    token_last_used_at=user.token_last_used_at,
                    feed_key_hint=f"{user.feed_key_hint}…" if user.feed_key_hash else None)

