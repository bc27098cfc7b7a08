"""Dependencies declared once: the service context for the caller, and If-Match."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, TypeVar

from fastapi import Depends, Header, HTTPException, Request, Response
from pydantic import TypeAdapter

from aftaleflow.services.access.sessions import authenticate
from aftaleflow.services.uow import ServiceContext
from aftaleflow.serving.lanes import in_quick_lane

T = TypeVar("T")
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,12})"?$')


async def service_context(
    request: Request,
    authorization: Annotated[str | None, Header(
        description="Bearer-token fra `aftaleflow user create`.")] = None,
) -> ServiceContext:
    """The caller as a principal; 401 without a valid token (never logged)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(401, "Angiv et API-token: Authorization: Bearer <token>.")
    engine = request.app.state.engine
    token, clock = authorization[7:].strip(), request.app.state.clock
    principal = await in_quick_lane(lambda: authenticate(engine, token, clock()))
    if principal is None:
        raise HTTPException(401, "Ugyldigt eller inaktivt API-token: det kan være udløbet "
                                 "eller tilbagekaldt.")
    return ServiceContext(engine=engine, actor=principal.name, principal=principal,
                          clock=request.app.state.clock)


Ctx = Annotated[ServiceContext, Depends(service_context)]


def required_version(
    if_match: Annotated[str | None, Header(
        description='Aftalens version fra ETag, fx "3". Påkrævet.')] = None,
) -> int:
    if if_match is None:
        raise HTTPException(428, "Angiv If-Match med aftalens version (ETag) for at undgå at "
                                 "overskrive andres ændringer.")
    match = _ETAG.match(if_match.strip())
    if not match:
        raise HTTPException(422, "If-Match skal være en version som \"3\".")
    return int(match.group(1))


Version = Annotated[int, Depends(required_version)]


def etag(version: int) -> str:
    return f'"{version}"'


def conditional_json(body: bytes, if_none_match: str | None) -> Response:
    """A JSON answer with a strong ETag of its own bytes, or 304 when the client's
    If-None-Match names it: a tag can only match an answer identical to the one it came
    with, so a changed answer is always sent in full."""
    tag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if if_none_match and (if_none_match.strip() == "*" or tag in {
            t.strip().removeprefix("W/") for t in if_none_match.split(",")}):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})


def json_answer(adapter: TypeAdapter[T], value: T, **headers: str) -> Response:
    """The answer serialised here, on the route's worker thread: FastAPI would validate it
    on another thread and serialise it on the event loop (two more hand-overs a request)."""
    return Response(adapter.dump_json(value), media_type="application/json", headers=headers)
