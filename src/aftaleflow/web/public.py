"""The public pages under /offentlig/: no login, no cookies, cacheable, the same data as feeds.

Each route parses the address, calls one service of `services.reading.public` and formats.
`public_answers.PublicAnswers` stands before the routes: every answer carries an ETag and
Last-Modified from the public stamp (the newest audit event and the day), a repeated request
with If-None-Match or If-Modified-Since gets 304 before anything else is read, and a worker
sends a finished answer again while its ETag holds. A cookie sent along is never read, and
none is ever set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftaleflow.config import get_settings
from aftaleflow.domain.errors import DomainError, NotFound, ValidationFailed
from aftaleflow.services.reading import opendata
from aftaleflow.services.reading.public import (
    PublicQuery,
    decisions_of,
    facets,
    get_public,
    list_public,
    not_public,
    public_agreements_with_decisions,
    public_document,
    public_stamp,
)
from aftaleflow.services.uow import ServiceContext
from aftaleflow.serving.status import TITLES, status_of
from aftaleflow.web.public_answers import MAX_AGE, last_modified
from aftaleflow.web.render import templates

router = APIRouter(prefix="/offentlig", include_in_schema=False)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; img-src 'self' data:; "
                               "object-src 'none'; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_PARAMS = {"region": "region", "klynge": "cluster", "tilstand": "state", "aar": "year",
           "q": "q", "side": "page", "pr_side": "per_page"}


def public_context(request: Request) -> ServiceContext:
    """Who reads: nobody in particular. No session, no token, no cookie is looked at."""
    engine: Engine = request.app.state.engine
    return ServiceContext(engine=engine, actor="offentlig", clock=request.app.state.clock)


# --- answering ----------------------------------------------------------------------------
def answered(request: Request, make: Callable[[ServiceContext], Response],
             *, html: bool) -> Response:
    """The route's answer, or its Danish error. Validators, 304 and the kept answers are
    `public_answers.PublicAnswers`' work, before any route runs."""
    try:
        return make(public_context(request))
    except DomainError as exc:
        return _error(request, exc, html=html)


def _error(request: Request, exc: DomainError, *, html: bool) -> Response:
    status = status_of(exc)
    if not html:  # RFC 9457, as the API answers
        return JSONResponse({"type": "about:blank", "title": TITLES.get(status, "Fejl"),
                             "status": status, "detail": exc.message,
                             "instance": request.url.path}, status_code=status,
                            media_type="application/problem+json")
    return _page(request, "offentlig/error.html", TITLES.get(status, "Fejl"), status,
                 message=exc.message)


def _page(request: Request, template: str, title: str, status: int = 200,
          **data: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {
        "title": title, "path": request.url.path, **data}, status_code=status)


# --- parsing ------------------------------------------------------------------------------
def _number(value: str | None, label: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationFailed(f"{label} skal være et heltal.")
    return int(value)


def parse_query(request: Request) -> PublicQuery:
    """The list's filters from the address; unknown parameters and repeated ones refused."""
    params = request.query_params
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        raise ValidationFailed(f"Ukendt parameter: {', '.join(unknown)}. Tilladte: "
                               f"{', '.join(_PARAMS)}.")
    repeated = sorted(k for k in params if len(params.getlist(k)) > 1)
    if repeated:
        raise ValidationFailed(f"Parameteren {', '.join(repeated)} må kun angives én gang.")
    text = {k: (params.get(k) or None) for k in ("region", "klynge", "tilstand", "q")}
    page, per_page = _number(params.get("side"), "Side"), _number(params.get("pr_side"),
                                                                  "Antal pr. side")
    return PublicQuery(region=text["region"], cluster=text["klynge"], state=text["tilstand"],
                       year=_number(params.get("aar"), "År"), q=text["q"],
                       page=1 if page is None else page,
                       per_page=50 if per_page is None else per_page)


def _agreement_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise not_public(raw[:20])
    return int(raw)


def _address(path: str, query: PublicQuery, page: int) -> str:
    values = {"region": query.region, "klynge": query.cluster, "tilstand": query.state,
              "aar": query.year, "q": query.q, "side": page if page > 1 else None,
              "pr_side": query.per_page if query.per_page != 50 else None}
    kept = {k: v for k, v in values.items() if v is not None}
    return path + (f"?{urlencode(kept)}" if kept else "")


# --- pages --------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def agreements_page(request: Request) -> Response:
    def make(ctx: ServiceContext) -> Response:
        query = parse_query(request)
        listing = list_public(ctx, query)
        q = listing.query
        return _page(
            request, "offentlig/list.html", "Samarbejdsaftaler", listing=listing, query=q,
            facets=facets(ctx), json_url=_address("/offentlig/data/aftaler.json", q, q.page),
            csv_url=_address("/offentlig/data/aftaler.csv", q, q.page),
            prev_url=_address("/offentlig/", q, q.page - 1) if q.page > 1 else None,
            next_url=_address("/offentlig/", q, q.page + 1) if q.page < listing.pages
            else None,
            feeds=[("/offentlig/beslutninger.atom", "Alle beslutninger")])

    return answered(request, make, html=True)


@router.get("/regioner/{region}", response_class=HTMLResponse)
def region_page(request: Request, region: str) -> Response:
    def make(ctx: ServiceContext) -> Response:
        if region not in dict(facets(ctx).regions):
            raise NotFound(f"Der er ingen region med nøglen '{region[:40]}'.")
        listing = list_public(ctx, PublicQuery(region=region))
        q = listing.query
        return _page(request, "offentlig/list.html", f"Samarbejdsaftaler – {region}",
                     listing=listing, query=q, facets=facets(ctx),
                     json_url=_address("/offentlig/data/aftaler.json", q, 1),
                     csv_url=_address("/offentlig/data/aftaler.csv", q, 1),
                     prev_url=None, next_url=_address("/offentlig/", q, 2)
                     if listing.pages > 1 else None,
                     feeds=[(f"/offentlig/regioner/{region}/beslutninger.atom",
                             "Beslutninger i regionen")])

    return answered(request, make, html=True)


@router.get("/aftaler/{agreement_id}", response_class=HTMLResponse)
def agreement_page(request: Request, agreement_id: str) -> Response:
    def make(ctx: ServiceContext) -> Response:
        a = get_public(ctx, _agreement_id(agreement_id))
        return _page(request, "offentlig/agreement.html", a.summary.title, a=a,
                     feeds=[(f"/offentlig/aftaler/{a.summary.id}/beslutninger.atom",
                             "Beslutninger om aftalen")])

    return answered(request, make, html=True)


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request) -> Response:
    return answered(request, lambda ctx: _page(request, "offentlig/data.html",
                                             "Åbne data og feeds",
                                             regions=facets(ctx).regions), html=True)


# --- feeds and data -----------------------------------------------------------------------
def _feed(request: Request, ctx: ServiceContext, title: str, page_url: str,
          **where: Any) -> Response:
    from aftaleflow.web.public_feed import atom_feed

    base = get_settings().base_url
    decisions = decisions_of(ctx, **where)
    stamp = public_stamp(ctx)
    body = atom_feed(feed_id=f"urn:aftaleflow:feed:{request.url.path}", title=title,
                     self_url=f"{base}{request.url.path}", page_url=f"{base}{page_url}",
                     base_url=base, decisions=decisions, updated=last_modified(stamp))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/beslutninger.atom")
def all_decisions_feed(request: Request) -> Response:
    return answered(request, lambda ctx: _feed(
        request, ctx, "Beslutninger om samarbejdsaftaler", "/offentlig/"), html=False)


@router.get("/regioner/{region}/beslutninger.atom")
def region_feed(request: Request, region: str) -> Response:
    def make(ctx: ServiceContext) -> Response:
        if region not in dict(facets(ctx).regions):
            raise NotFound(f"Der er ingen region med nøglen '{region[:40]}'.")
        return _feed(request, ctx, f"Beslutninger om samarbejdsaftaler – {region}",
                     f"/offentlig/regioner/{region}", region=region)

    return answered(request, make, html=False)


@router.get("/aftaler/{agreement_id}/beslutninger.atom")
def agreement_feed(request: Request, agreement_id: str) -> Response:
    def make(ctx: ServiceContext) -> Response:
        number = _agreement_id(agreement_id)
        title = get_public(ctx, number).summary.title
        return _feed(request, ctx, f"Beslutninger: {title}", f"/offentlig/aftaler/{number}",
                     agreement_id=number)

    return answered(request, make, html=False)


def _open_data(request: Request, ctx: ServiceContext, fmt: str,
               query: PublicQuery | None = None) -> Response:
    query = query or parse_query(request)
    listing, decisions = public_agreements_with_decisions(ctx, query)
    if fmt == "csv":
        return Response(opendata.listing_csv(listing, decisions),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="aftaler.csv"'})
    base = get_settings().base_url
    q = listing.query
    next_url = f"{base}{_address(request.url.path, q, q.page + 1)}" \
        if q.page < listing.pages else None
    return Response(opendata.listing_json(listing, decisions, base, next_url),
                    media_type="application/json")


@router.get("/data/aftaler.json")
def agreements_json(request: Request) -> Response:
    return answered(request, lambda ctx: _open_data(request, ctx, "json"), html=False)


@router.get("/data/aftaler.csv")
def agreements_csv(request: Request) -> Response:
    return answered(request, lambda ctx: _open_data(request, ctx, "csv"), html=False)


@router.get("/data/aftaler/{agreement_id}.json")
def agreement_json(request: Request, agreement_id: str) -> Response:
    def make(ctx: ServiceContext) -> Response:
        a = get_public(ctx, _agreement_id(agreement_id))
        base = get_settings().base_url
        from aftaleflow.services.reading.public import PublicList

        listing = PublicList([a.summary], 1, PublicQuery())
        return Response(opendata.listing_json(listing, a.decisions, base, None),
                        media_type="application/json")

    return answered(request, make, html=False)


@router.get("/data/skema/aftaler-1.json")
def schema(request: Request) -> Response:
    return answered(request, lambda ctx: Response(opendata.schema_text(),
                                                media_type="application/schema+json"),
                  html=False)


@router.get("/dokumenter/{document_id}.pdf")
def document(request: Request, document_id: str) -> Response:
    def make(ctx: ServiceContext) -> Response:
        if not document_id.isdigit() or len(document_id) > 9:
            raise NotFound("Der er intet offentligt dokument med det nummer.")
        found = public_document(ctx, int(document_id))
        return FileResponse(found.path, media_type="application/pdf",
                            filename=found.name, content_disposition_type="inline")

    return answered(request, make, html=True)


class PublicHeaders:
    """Under /offentlig: never a Set-Cookie, always the public pages' security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/offentlig"):
            await self.app(scope, receive, send)
            return

        async def without_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                del headers["set-cookie"]
                for name, value in HEADERS.items():
                    headers[name] = value
                if "cache-control" not in headers:
                    headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
            await send(message)

        # the request's cookies are dropped before any route sees them
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"cookie"]}
        await self.app(scope, receive, without_cookies)
