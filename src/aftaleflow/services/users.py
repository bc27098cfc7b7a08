"""Users and API tokens: a token is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from aftaleflow.db import READ_ONLY
from aftaleflow.domain.access import ROLE_LABELS, Principal, Role
from aftaleflow.domain.errors import Conflict, ValidationFailed
from aftaleflow.domain.model import Body, User
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.meetings import find_body
from aftaleflow.services.uow import ServiceContext, UnitOfWork

TOKEN_PREFIX = "af_"


@dataclass(frozen=True)
class UserView:
    id: int
    name: str
    role: str
    role_label: str
    body: str | None
    token_hint: str
    active: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(ctx: ServiceContext, name: str, role: str,
                body: str | None = None) -> tuple[UserView, str]:
    """Create a user and return the token, which is never shown again."""
    ctx.authorize("user.admin")
    name = clean_text(name, "navn", max_len=200, required=True, single_line=True)
    if role not in [r.value for r in Role]:
        raise ValidationFailed(f"Ukendt rolle '{role[:40]}'. Mulige: "
                               f"{', '.join(r.value for r in Role)}.")
    if (role == Role.PARTY) != (body is not None):
        raise ValidationFailed("En part skal bindes til ét organ (--body), og kun en part.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with UnitOfWork(ctx) as uow:
        if uow.session.exec(select(User).where(User.name == name)).first():
            raise Conflict(f"Brugeren '{name}' findes allerede.")
        organ = find_body(uow.session, body) if body else None
        user = User(name=name, role=role, body_id=organ.id if organ else None,
                    token_hash=hash_token(token), token_hint=token[:7], created_at=uow.now)
        uow.session.add(user)
        uow.session.flush()
        uow.record(entity="user", entity_id=user.id, trigger="opret_bruger", from_state=None,
                   to_state=role, comment=f"{name}" + (f" ({organ.name})" if organ else ""))
        uow.commit()
        return _view(user, organ), token


def list_users(ctx: ServiceContext) -> list[UserView]:
    ctx.authorize("user.admin")
    with UnitOfWork(ctx, read_only=True) as uow:
        users = uow.session.exec(select(User).order_by(col(User.id))).all()
        bodies = {b.id: b for b in uow.session.exec(select(Body).where(
            col(Body.id).in_([u.body_id for u in users if u.body_id])))}
        return [_view(u, bodies.get(u.body_id)) for u in users]


def authenticate(engine: Engine, token: str) -> Principal | None:
    """The principal for a token, or None. The stored hash is compared in constant time."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    with Session(engine.execution_options(**READ_ONLY)) as session:
        user = session.exec(select(User).where(User.token_hash == digest)).first()
    if user is None or not user.active or not hmac.compare_digest(user.token_hash, digest):
        return None
    return Principal(name=user.name, role=Role(user.role), user_id=user.id,
                     body_id=user.body_id)


def _view(user: User, body: Body | None) -> UserView:
    assert user.id is not None
    return UserView(id=user.id, name=user.name, role=user.role,
                    role_label=ROLE_LABELS[Role(user.role)], body=body.name if body else None,
                    token_hint=user.token_hint + "…", active=user.active)
