"""Templates, Danish formatting and error pages shared by every dashboard route."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from aftaleflow.config import get_settings, local_time
from aftaleflow.domain.access import ROLE_LABELS, Role
from aftaleflow.domain.errors import DomainError
from aftaleflow.domain.wording import deadline_phrase
from aftaleflow.services.reading.dashboard import UserInfo, current_user
from aftaleflow.services.uow import DatabaseUnavailable, ServiceContext
from aftaleflow.serving.logs import SECRET
from aftaleflow.serving.outage import RETRY_AFTER, database_failure
from aftaleflow.serving.status import TITLES, status_of
from aftaleflow.web import auth

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december"]


def dmy(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{local_time(value):%d.%m.%Y %H:%M}"
    return f"{value:%d.%m.%Y}"


def meeting_time(meeting: Any) -> str:
    """A meeting's day and time, or the day alone when the time is not known yet."""
    if meeting.has_time:
        return dmy(meeting.starts_at)
    return f"{local_time(meeting.starts_at):%d.%m.%Y} (klokkeslæt ikke fastsat)"


def long_date(value: date) -> str:
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def short_party(name: str, kind: str = "") -> str:
    """'Kommunalbestyrelsen, Herning Kommune' -> 'Herning'; the regionsråd -> 'Regionsrådet'."""
    if kind == "regionsraad":
        return "Regionsrådet"
    return name.rsplit(", ", 1)[-1].removesuffix(" Kommune").removesuffix(" Regionskommune")


templates.env.filters.update(dmy=dmy, long_date=long_date, short_party=short_party,
                             meeting_time=meeting_time, deadline_phrase=deadline_phrase)
templates.env.globals.update(ROLE_LABELS=ROLE_LABELS,
                             oidc_enabled=lambda: get_settings().oidc_enabled)

NAV = [
    ("/ui/", "Overblik", None),
    ("/ui/matrix", "Godkendelser", None),
    ("/ui/moeder", "Møder", "meeting.read"),
    ("/ui/kalender", "Kalender", None),
    ("/ui/livscyklus", "Livscyklus", None),
    ("/ui/struktur", "Strukturændring", "document.read"),
    ("/ui/brugere", "Brugere", "user.admin"),
]


def page(request: Request, ctx: ServiceContext | None, template: str, title: str,
         status_code: int = 200, **data: Any) -> HTMLResponse:
    user: UserInfo | None = current_user(ctx) if ctx else None
    nav = [(href, label) for href, label, action in NAV
           if ctx is not None and (action is None or ctx.principal.may(action))]
    message = auth.take_flash(request)
    response = templates.TemplateResponse(request, template, {
        "title": title, "user": user, "nav": nav, "path": request.url.path,
        "csrf": auth.csrf_token(request), "csrf_field": auth.CSRF_FIELD, "flash": message,
        "today": ctx.now().date() if ctx else None, "Role": Role, **data,
    }, status_code=status_code)
    if message:
        response.delete_cookie(auth.FLASH_COOKIE, path="/")
    response.headers.update(SECURITY_HEADERS)
    return response


# Only our own files; no framing (confirmation buttons cannot be clickjacked); not cached.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def error_page(request: Request, status: int, message: str,
               ctx: ServiceContext | None = None) -> HTMLResponse:
    return page(request, ctx, "error.html", TITLES.get(status, "Fejl"), status_code=status,
                message=message, status=status)


def outage_page(request: Request, exc: DatabaseUnavailable) -> HTMLResponse:
    """The database cannot answer: a Danish page (no user menu: that needs the database)."""
    response = error_page(request, 503, exc.message)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def back(url: str, message: str, kind: str = "ok") -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    auth.flash(response, message, kind)
    return response


SECRET_PARAMS = {"token", "noegle", "key", "access_token", "api_key"}


def without_secrets(path: str, query: str) -> str:
    """A local address with every secret-bearing query parameter left out."""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
            if k.lower() not in SECRET_PARAMS and not SECRET.search(v)]
    return path + (f"?{urlencode(kept)}" if kept else "")


def login_redirect(request: Request) -> RedirectResponse:
    """Back to the page after login; a secret in the query is never carried along."""
    target = without_secrets(request.url.path, request.url.query)
    return RedirectResponse(f"/ui/login?naeste={quote(target)}", status_code=303)


F = TypeVar("F", bound=Callable[..., Response])


def html_errors(func: F) -> F:
    """A domain error on a page becomes a Danish error page with the right status code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return func(*args, **kwargs)
        except DatabaseUnavailable as exc:
            return outage_page(kwargs["request"], database_failure(exc))
        except DomainError as exc:
            request = kwargs["request"]
            return error_page(request, status_of(exc), exc.message, kwargs.get("ctx"))

    wrapper.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
