"""Errors as RFC 9457 problem+json with a Danish `detail`, mapped once for every route."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from aftaleflow.config import get_settings
from aftaleflow.domain.errors import (
    ActionRefused,
    Conflict,
    DomainError,
    GuardFailed,
    TransitionNotAllowed,
    ValidationFailed,
)
from aftaleflow.services.uow import DATABASE_AWAY, DatabaseUnavailable
from aftaleflow.serving.outage import RETRY_AFTER, database_failure
from aftaleflow.serving.status import TITLES, status_of

MEDIA_TYPE = "application/problem+json"



class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Konflikt"])
    status: int = Field(examples=[409])
    detail: str = Field(examples=["Handlingen 'godkend' er ikke tilladt ..."])
    instance: str | None = None
    current_state: str | None = None
    current_version: int | None = None
    allowed_triggers: list[str] | None = None
    errors: list[dict[str, Any]] | None = None


def problem(status: int, detail: str, request: Request | None = None,
            **extra: Any) -> JSONResponse:
    body = Problem(title=TITLES.get(status, "Fejl"), status=status, detail=detail,
                   instance=str(request.url.path) if request else None, **extra)
    headers = ({"WWW-Authenticate": "Bearer"} if status == 401 else
               {"Retry-After": str(RETRY_AFTER)} if status == 503 else None)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status,
                        media_type=MEDIA_TYPE, headers=headers)




_DANISH = {
    "missing": "skal udfyldes",
    "string_too_long": "er for lang",
    "string_too_short": "er for kort",
    "too_long": "har for mange elementer",
    "string_pattern_mismatch": "har en ugyldig form",
    "enum": "er ikke en tilladt værdi",
    "literal_error": "er ikke en tilladt værdi",
    "date_from_datetime_parsing": "er ikke en gyldig dato (ÅÅÅÅ-MM-DD)",
    "date_parsing": "er ikke en gyldig dato (ÅÅÅÅ-MM-DD)",
    "datetime_from_date_parsing": "er ikke et gyldigt tidspunkt",
    "datetime_parsing": "er ikke et gyldigt tidspunkt",
    "extra_forbidden": "er et ukendt felt",
    "json_invalid": "er ikke gyldig JSON",
    "int_parsing": "skal være et heltal",
    "bool_parsing": "skal være true eller false",
    "greater_than_equal": "er for lille",
    "less_than_equal": "er for stor",
    "string_type": "skal være tekst",
    "model_attributes_type": "skal være et JSON-objekt",
}


def _field_errors(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        message = _DANISH.get(str(err.get("type")), "er ugyldig")
        errors.append({"felt": where, "fejl": message,
                       "teknisk": str(err.get("msg", ""))[:300]})
    names = "; ".join(f"{e['felt'] or 'forespørgslen'} {e['fejl']}" for e in errors[:5])
    return f"Ugyldige data: {names}.", errors[:20]


def install(app: FastAPI) -> None:
    @app.exception_handler(DatabaseUnavailable)
    async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return problem(503, database_failure(exc).message, request)

    for driver_error in DATABASE_AWAY:
        app.add_exception_handler(driver_error, database_unavailable)  # type: ignore[arg-type]

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, TransitionNotAllowed | GuardFailed):
            extra = {"current_state": exc.state, "allowed_triggers": exc.allowed}
        if isinstance(exc, Conflict):
            extra = {"current_state": exc.current_state, "current_version": exc.current_version}
        if isinstance(exc, ActionRefused):
            extra = {"current_state": exc.current_state}
        message = exc.message
        if isinstance(exc, ValidationFailed) and exc.fields:
            extra = {"errors": [{"felt": name} for name in exc.fields]}
            message += f" Felter: {', '.join(exc.fields)}."
        return problem(status_of(exc), message, request, **extra)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> JSONResponse:
        # e.g. PostgreSQL refuses NUL bytes in text; nothing was written
        return problem(422, "Ugyldige data: teksten indeholder tegn, som ikke kan gemmes "
                            "(fx NUL).", request)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _field_errors(exc)
        return problem(422, detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        messages = {404: "Adressen findes ikke.", 405: "Metoden er ikke tilladt her.",
                    400: "Forespørgslens indhold kunne ikke læses (ugyldig eller for dybt "
                         "indlejret JSON)."}
        if exc.status_code in messages and not _is_danish(detail):
            detail = messages[exc.status_code]
        if exc.status_code == 404 and (moved := slash_redirect(app, request)) is not None:
            return moved
        if exc.status_code != 405:
            return problem(exc.status_code, detail, request)
        allowed = ", ".join(allowed_methods(app, request))
        response = problem(405, f"{detail} Tilladt her: {allowed}.", request)
        response.headers["Allow"] = allowed
        return response


def _routed(app: FastAPI, scope: Scope) -> bool:
    return any(route.matches(scope)[0] != Match.NONE for route in app.router.routes)


def slash_redirect(app: FastAPI, request: Request) -> Response | None:
    """The trailing-slash redirect, made safe (Starlette's is switched off in create_app).

    Starlette's own takes its host from the request's Host header (a hostile Host makes it
    point elsewhere) and carries the query string along (`?access_token=af_...` then lands in
    the Location, in logs and in the browser's history). This one answers with a location
    relative to AFTALEFLOW_BASE_URL's path and no query at all.
    """
    path = request.url.path
    if path == "/" or _routed(app, request.scope):
        return None
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    if other.startswith("//") or not _routed(app, {**request.scope, "path": other}):
        return None
    prefix = urlsplit(get_settings().base_url).path.rstrip("/")
    return Response(status_code=307, headers={"Location": quote(prefix + other)})


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
               if any(route.matches({**request.scope, "method": m})[0] == Match.FULL
                      for route in app.router.routes)]
    return methods + (["HEAD"] if "GET" in methods else [])


def _is_danish(text: str) -> bool:
    return any(c in text for c in "æøåÆØÅ") or (text.endswith(".") and " er " in text)


# Answers any operation can give: no or a bad token, a role without the right, a malformed
# or oversize request, a database that is away. Writes may also meet a conflict.
COMMON = (401, 403, 404, 413, 422, 503)
WITH_BODY = (400, 409)


def declare_common_errors(schema: dict[str, Any]) -> None:
    """Declare in the OpenAPI document every problem answer an operation can give."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            codes = COMMON + (WITH_BODY if method in ("post", "put", "patch", "delete") else ())
            declared = operation.setdefault("responses", {})
            for code, spec in responses(*codes).items():
                declared.setdefault(str(code), {"description": spec["description"],
                                                "content": spec["content"]})


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem responses a route can give."""
    return {code: {"model": Problem, "description": TITLES[code],
                   "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for code in codes}
