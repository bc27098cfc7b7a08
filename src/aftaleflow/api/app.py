"""The FastAPI application: routes are thin, every one calls the same service as the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftaleflow import web
from aftaleflow.api import problems
from aftaleflow.api.routes import (
    admin,
    agreements,
    archive,
    data,
    documents,
    masterdata,
    meetings,
    openness,
    structure,
    texts,
    users,
)
from aftaleflow.api.warmup import warm_up
from aftaleflow.db import get_engine
from aftaleflow.services.uow import _system_clock
from aftaleflow.serving.timing import ServerTiming
from aftaleflow.web import shared_answers_directory

__all__ = ["create_app", "create_served_app", "shared_answers_directory"]

MAX_BODY = 4 * 1024 * 1024

DESCRIPTION = """
REST-API for aftaleflow: samarbejdsaftaler, godkendelser i kommuner og region, implementering
i klynger, møder og dagsordener.

Log ind med et API-token (`Authorization: Bearer af_…`) fra `aftaleflow user create`.
Fejl svarer som `application/problem+json` (RFC 9457) med en dansk `detail`.
Ændringer af en aftale kræver `If-Match` med versionen fra `ETag`.
"""


class BodyLimit:
    """Refuse request bodies over MAX_BODY before anything parses them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await _too_large(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(send)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    body = json.dumps({"type": "about:blank", "title": "For stor forespørgsel", "status": 413,
                       "detail": f"Forespørgslen er større end {MAX_BODY // 1024 // 1024} MB."},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", problems.MEDIA_TYPE.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(engine: Engine | None = None,
               clock: Callable[[], datetime] | None = None) -> FastAPI:
    app = FastAPI(title="aftaleflow", version="0.1.0", description=DESCRIPTION,
                  lifespan=warm_up,  # each worker's one-time costs before its first caller
                  openapi_tags=[{"name": "Samarbejdsaftaler"}, {"name": "Stamdata"},
                                {"name": "Møder og dagsordener"}, {"name": "Status"}])
    app.router.redirect_slashes = False  # its redirect trusts Host; problems.slash_redirect
    app.state.engine = engine or get_engine()
    app.state.clock = clock or _system_clock
    problems.install(app)
    for module in (agreements, texts, archive, openness, masterdata, structure, meetings,
                   documents, data, admin, users):
        app.include_router(module.router)
    web.mount(app)  # the dashboard under /ui/ (HTML, kept out of the OpenAPI schema)
    app.add_middleware(BodyLimit)
    app.add_middleware(ServerTiming)  # outermost: its figures cover every other layer
    _add_problem_schema(app)
    return app


def create_served_app() -> FastAPI:
    """`aftaleflow api`'s app, each worker's: warmed up before it takes a request, and with
    several workers sharing the public answers they make (`web.shared_answers`)."""
    app = create_app()
    app.state.freeze_start_up = True  # a served process: its start-up objects stay (warmup)
    web.serve(app)
    return app


def _add_problem_schema(app: FastAPI) -> None:
    """Make sure the Problem schema is in components even when only referenced by $ref."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Problem", problems.Problem.model_json_schema())
        problems.declare_common_errors(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
