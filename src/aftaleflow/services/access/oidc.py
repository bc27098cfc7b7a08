"""Sign-in with OpenID Connect: a person's claims become a user and a dashboard session.

The adapter (web/oidc.py) runs the Authorization Code flow with PKCE, state and nonce through
authlib, which checks the ID token (issuer, audience, signature, expiry, nonce). This module
keeps the flow's state between the two requests, maps the checked claims to a role and body
(domain/claim_mapping.py) and creates or updates the user: never more than the mapping gives.
Signing in and out are audit events; the token itself is never stored or logged.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import col, delete, select

from aftaleflow.config import get_settings
from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.claim_mapping import ClaimMapping, map_claims, parse_mapping
from aftaleflow.domain.errors import DomainError, NotFound
from aftaleflow.domain.model import Body, LoginFlow, User, WebSession
from aftaleflow.services.access.sessions import SESSION_HOURS, SESSION_PREFIX
from aftaleflow.services.access.users import TOKEN_PREFIX, hash_token, new_secret
from aftaleflow.services.uow import ServiceContext, UnitOfWork

FLOW_MINUTES = 10


class NotMapped(DomainError):
    """Signed in at the provider, but the mapping gives this person no role here."""

    exit_code = 5


@lru_cache(maxsize=4)
def _mapping(path: str, stamp: float) -> ClaimMapping:
    return parse_mapping(Path(path).read_text(encoding="utf-8"), Path(path).name)


def claim_mapping() -> ClaimMapping:
    """The configured mapping file (read again when it changes)."""
    path = get_settings().oidc_claim_mapping
    if path is None:
        raise NotMapped("Der er ikke angivet en fil, der giver roller ud fra log-ind "
                        "(AFTALEFLOW_OIDC_CLAIM_MAPPING). Kontakt din lokale administrator.")
    return _mapping(str(path), path.stat().st_mtime)


def start_flow(ctx: ServiceContext, data: dict[str, Any]) -> str:
    """Keep the flow's state, nonce and PKCE verifier for 10 minutes; the key is the cookie."""
    key = secrets.token_urlsafe(32)
    with UnitOfWork(ctx) as uow:
        uow.session.exec(delete(LoginFlow).where(col(LoginFlow.expires_at) < uow.now))
        uow.session.add(LoginFlow(key_hash=hash_token(key), data=json.dumps(data),
                                  expires_at=uow.now + timedelta(minutes=FLOW_MINUTES)))
        uow.commit()
    return key


def take_flow(ctx: ServiceContext, key: str) -> dict[str, Any] | None:
    """The flow's data, once (the row is deleted); None when unknown or older than 10 min."""
    with UnitOfWork(ctx) as uow:
        row = uow.session.exec(select(LoginFlow).where(
            LoginFlow.key_hash == hash_token(key))).first()
        if row is None:
            return None
        data = json.loads(row.data) if row.expires_at > uow.now else None
        uow.session.delete(row)
        uow.commit()
        return data


def sign_in(ctx: ServiceContext, issuer: str, claims: dict[str, Any]
            ) -> tuple[str, Principal]:
    """A session for the person the (already checked) claims describe: (session key, who).

    The user is found by issuer and subject, created when new, and given exactly the role and
    body the mapping says now (a changed group changes the role at the next sign-in).
    """
    mapping = claim_mapping()
    mapped = map_claims(mapping, claims)
    if mapped is None:
        raise NotMapped(f"Du er logget ind hos din organisation, men har ikke adgang til "
                        f"aftaleflow. Bed {mapping.contact} om at give dig adgang.")
    subject = f"{issuer}|{claims['sub']}"
    key = SESSION_PREFIX + secrets.token_urlsafe(32)
    with UnitOfWork(ctx) as uow:
        s = uow.session
        body = None
        if mapped.body_key:
            body = s.exec(select(Body).where(Body.key == mapped.body_key)).first()
            if body is None:
                raise NotMapped(f"Organet '{mapped.body_key}' fra dit log-ind findes ikke i "
                                f"stamdata. Bed {mapping.contact} om at rette det.")
        user = s.exec(select(User).where(User.oidc_subject == subject)).first()
        until = uow.now + timedelta(hours=SESSION_HOURS)
        if user is None:
            name = mapped.name
            if s.exec(select(User).where(User.name == name)).first():
                name = f"{name} ({str(claims['sub'])[:12]})"
            unusable = new_secret(TOKEN_PREFIX)  # never shown: this user has no API token
            user = User(name=name, role=mapped.role, body_id=body.id if body else None,
                        token_hash=hash_token(unusable), token_hint="oidc", created_at=uow.now,
                        token_expires_at=until, oidc_subject=subject)
            s.add(user)
            s.flush()
            uow.record(entity="user", entity_id=user.id, trigger="opret_bruger",
                       from_state=None, to_state=mapped.role,
                       comment=f"{name} (OpenID Connect)" + (f" ({body.name})" if body else ""))
        elif (user.role, user.body_id) != (mapped.role, body.id if body else None):
            uow.record(entity="user", entity_id=user.id, trigger="skift_rolle",
                       from_state=user.role, to_state=mapped.role,
                       comment=f"{user.name}: fra log-ind" + (f" ({body.name})" if body else ""))
        user.role, user.body_id = mapped.role, body.id if body else None
        user.token_expires_at = max(until, user.token_expires_at or until)
        s.add(user)
        s.flush()
        assert user.id is not None
        s.add(WebSession(key_hash=hash_token(key), user_id=user.id, created_at=uow.now,
                         expires_at=until))
        uow.record(entity="user", entity_id=user.id, trigger="log_ind", from_state=None,
                   to_state="logget_ind", comment=f"{user.name}: OpenID Connect", actor=user.name)
        uow.commit()
        return key, Principal(name=user.name, role=Role(user.role), user_id=user.id,
                              body_id=user.body_id)


def signed_in_with_provider(ctx: ServiceContext) -> bool:
    """Whether the current user came from the identity provider (logout ends it there too)."""
    with UnitOfWork(ctx, read_only=True) as uow:
        if ctx.principal.user_id is None:
            return False
        user = uow.session.get(User, ctx.principal.user_id)
        if user is None:
            raise NotFound("Brugeren findes ikke.")
        return user.oidc_subject is not None
