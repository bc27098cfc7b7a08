"""The dashboard: server-rendered Danish pages under /ui/ for managers, clerks and parties.

`mount(app)` adds the routes (kept out of the OpenAPI schema), the local static files and the
redirects to the login page; every page calls the same services as the CLI and the API.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftaleflow.services.reading.public import (
    PublicQuery,
    get_public,
    list_public,
    public_agreements_with_decisions,
)
from aftaleflow.services.uow import DATABASE_AWAY, DatabaseUnavailable, ServiceContext
from aftaleflow.serving.outage import database_failure
from aftaleflow.web import (
    agreements,
    answer,
    auth,
    calendar,
    decisions,
    meetings,
    oidc,
    openness,
    pages,
    public,
    structure,
    texts,
    users,
)
from aftaleflow.web.public_answers import PublicAnswers
from aftaleflow.web.render import (
    HERE,
    SECURITY_HEADERS,
    error_page,
    login_redirect,
    outage_page,
    templates,
)
from aftaleflow.web.shared_answers import SharedAnswers, shared_answers_directory

router = APIRouter(include_in_schema=False)
for module in (pages, oidc, agreements, openness, texts, decisions, meetings, calendar,
               structure, users, answer):
    router.include_router(module.router)


@router.get("/")
def root() -> Response:
    return RedirectResponse("/ui/", status_code=307)


class SecurityHeaders:
    """Every answer under /ui/ (pages, redirects, errors, static files) gets the dashboard's
    security headers: CSP without inline script, no framing, no sniffing, no referrer leaks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/ui"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = ["mount", "serve", "shared_answers_directory", "warm_up"]


def serve(app: FastAPI) -> None:
    """A served worker's app: it shares the public answers it makes with the other workers of
    its run (`aftaleflow api --workers N`), and is warmed up before it takes a request."""
    app.state.shared_answers = SharedAnswers.from_environment()
    warm_up(app)


def warm_up(app: FastAPI) -> None:
    """What a served worker would otherwise do while its first requests wait: FastAPI builds
    each included route's state on the first match that reaches it (about half a second of
    CPU for all of ours), and Jinja compiles each template on first use."""
    nowhere: Scope = {"type": "http", "method": "GET", "path": "/\x00", "root_path": "",
                      "headers": [], "query_string": b""}
    for route in app.router.routes:
        route.matches(nowhere)  # a path no route has: every route's state is built
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)
    # the database driver's first query and the public queries' compilation, on the side:
    # a database that is away or slow to answer never holds up the start
    ctx = ServiceContext(engine=app.state.engine, actor="offentlig", clock=app.state.clock)
    threading.Thread(target=_warm_queries, args=(ctx,), daemon=True).start()


def _warm_queries(ctx: ServiceContext) -> None:
    with suppress(Exception):  # a database not there yet: the first request finds out
        listing = list_public(ctx, PublicQuery(per_page=25))
        public_agreements_with_decisions(ctx, PublicQuery(per_page=25))
        for summary in listing.items[:1]:
            get_public(ctx, summary.id)


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(public.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.mount("/offentlig/static", StaticFiles(directory=HERE / "static"),
              name="public-static")
    app.add_middleware(PublicAnswers)  # inside PublicHeaders: cookies gone, headers added
    app.add_middleware(SecurityHeaders)
    app.add_middleware(public.PublicHeaders)

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc: auth.LoginRequired) -> Response:
        return login_redirect(request)

    api_answer = cast(Callable[[Request, Exception], Awaitable[Response]],
                      app.exception_handlers[DatabaseUnavailable])

    async def database_away(request: Request, exc: Exception) -> Response:
        """The dashboard answers a Danish page; the API keeps its problem+json."""
        if not request.url.path.startswith("/ui"):
            return await api_answer(request, exc)
        return outage_page(request, database_failure(exc))

    for error in (DatabaseUnavailable, *DATABASE_AWAY):
        app.add_exception_handler(error, database_away)

    @app.exception_handler(auth.CsrfFailed)
    async def csrf_failed(request: Request, exc: auth.CsrfFailed) -> Response:
        return error_page(request, 403, "Formularen kunne ikke bekræftes (CSRF). Genindlæs "
                                        "siden og prøv igen; din session kan være udløbet.")
