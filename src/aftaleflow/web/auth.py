"""Login to a server-side session, and CSRF protection for every form.

Logging in with the API token starts a session (services.access.sessions); the login form
itself carries a nonce that must match its own SameSite=Strict cookie. The HttpOnly,
SameSite=Strict cookie holds only the session's random key, never the token, and logging out,
revoking or rotating the token ends the session on the server. Each login also sets a random
nonce (cookie); every form carries HMAC-SHA256(key = SHA-256 of the session key, nonce) in a
hidden field. A forged form from another site can neither read the cookies nor compute the
HMAC, so no server secret is needed and the check survives restarts and several workers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from starlette.responses import Response

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.access.sessions import SESSION_HOURS, session_principal
from aftaleflow.services.uow import ServiceContext

SESSION_COOKIE = "af_session"
LOGIN_COOKIE = "af_login"  # the login form's own CSRF nonce, before there is a session
NONCE_COOKIE = "af_nonce"
FLASH_COOKIE = "af_flash"
CSRF_FIELD = "csrf"
MAX_AGE = SESSION_HOURS * 3600
MAX_FORM = 256 * 1024


class LoginRequired(Exception):
    """No valid token cookie: the page redirects to the login form."""


class CsrfFailed(Exception):
    """A form without the right CSRF field: refused before any service is called."""


def csrf_value(session_key: str, nonce: str) -> str:
    key = hashlib.sha256(session_key.encode("utf-8")).digest()
    return hmac.new(key, nonce.encode("utf-8"), hashlib.sha256).hexdigest()


def session_context(request: Request) -> ServiceContext | None:
    """The caller of a live session (checked against the database on every request)."""
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None
    engine = request.app.state.engine
    principal = session_principal(engine, key, request.app.state.clock())
    if principal is None:
        return None
    return ServiceContext(engine=engine, actor=principal.name, principal=principal,
                          clock=request.app.state.clock)


def web_context(request: Request) -> ServiceContext:
    ctx = session_context(request)
    if ctx is None:
        raise LoginRequired
    return ctx


WebCtx = Annotated[ServiceContext, Depends(web_context)]


def csrf_token(request: Request) -> str:
    """The hidden-field value for this session's forms ('' when not logged in)."""
    key = request.cookies.get(SESSION_COOKIE)
    nonce = request.cookies.get(NONCE_COOKIE)
    return csrf_value(key, nonce) if key and nonce else ""


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (all our forms are), parsed without python-multipart."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    if len(body) > MAX_FORM:
        raise ValidationFailed("Formularen er for stor.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("Formularen kunne ikke læses.") from None
    return dict(pairs)


async def checked_form(request: Request) -> dict[str, str]:
    """Every POST but the login: the form's CSRF field must match this session's."""
    form = await read_form(request)
    sent = form.get(CSRF_FIELD, "")
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed
    return form


def login_nonce(request: Request) -> str:
    """The login form's nonce: the browser's own, or a new one (set by `set_login_cookie`)."""
    current = request.cookies.get(LOGIN_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def set_login_cookie(response: Response, nonce: str, secure: bool) -> None:
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=MAX_AGE, httponly=True, samesite="strict",
                        secure=secure, path="/ui/login")


async def checked_login_form(request: Request) -> dict[str, str]:
    """The login form must echo the nonce of this browser's SameSite=Strict cookie: a form
    posted from another site carries no cookie, so it cannot log the browser in as the
    attacker (login CSRF)."""
    form = await read_form(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(form.get(CSRF_FIELD, "").encode(),
                                               expected.encode()):
        raise CsrfFailed
    return form


Form = Annotated[dict[str, str], Depends(checked_form)]
LoginForm = Annotated[dict[str, str], Depends(checked_login_form)]


def text(form: dict[str, str], name: str, max_len: int = 300) -> str:
    """A form field through the one text check (`clean_text`); line breaks are kept."""
    return clean_text(form.get(name, ""), name, max_len=max_len)


def number(form: dict[str, str], name: str) -> int:
    value = form.get(name, "").strip()
    if not value.isdigit() or len(value) > 9:
        raise ValidationFailed(f"Feltet '{name}' skal være et helt tal.")
    return int(value)


def set_session_cookies(response: Response, key: str, secure: bool) -> None:
    for name, value in ((SESSION_COOKIE, key), (NONCE_COOKIE, secrets.token_urlsafe(32))):
        response.set_cookie(name, value, max_age=MAX_AGE, httponly=True, samesite="strict",
                            secure=secure, path="/")


def clear_session_cookies(response: Response) -> None:
    for name in (SESSION_COOKIE, NONCE_COOKIE):
        response.delete_cookie(name, path="/", httponly=True, samesite="strict")


def flash(response: Response, message: str, kind: str = "ok") -> None:
    """A one-time message for the next page (kind: ok | fejl)."""
    response.set_cookie(FLASH_COOKIE, f"{kind}:{message}"[:1500].encode("utf-8").hex(),
                        max_age=60, httponly=True, samesite="strict", path="/")


def take_flash(request: Request) -> tuple[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        kind, _, message = bytes.fromhex(raw).decode("utf-8").partition(":")
    except ValueError:
        return None
    return ("fejl" if kind == "fejl" else "ok"), message
