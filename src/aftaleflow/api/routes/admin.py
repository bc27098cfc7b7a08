"""Status matrix and audit verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, TypeAdapter

from aftaleflow.api.deps import Ctx, conditional_json
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import ChainResult
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.reading.status import status_matrix
from aftaleflow.services.views import AgreementView
from aftaleflow.serving.shared_reads import SharedReads

router = APIRouter(responses=responses(401, 403, 404, 422, 503))


class StatusMatrix(BaseModel):
    agreements: list[AgreementView]


_MATRIX = TypeAdapter(StatusMatrix)
_SHARED: SharedReads[bytes] = SharedReads()


@router.get("/status", response_model=StatusMatrix, tags=["Status"],
            summary="Statusmatrix: aftaler × parter",
            responses={304: {"description": "Uændret siden den ETag, der blev sendt i "
                                            "If-None-Match."}})
async def status(ctx: Ctx, region: Annotated[str | None, Query(max_length=60)] = None,
                 if_none_match: Annotated[str | None, Header(
                     max_length=2000,
                     description="ETag fra et tidligere svar: 304 hvis uændret.")
                 ] = None) -> Response:
    """Svaret bærer en ETag; send den i If-None-Match, og et uændret svar er 304 uden
    indhold."""
    # the same caller's reads of the same region that wait at once share one reading
    body = await _SHARED.read((ctx.principal, region), lambda: _MATRIX.dump_json(
        StatusMatrix(agreements=status_matrix(ctx, region=region))))
    return conditional_json(body, if_none_match)


@router.get("/audit/verify", response_model=ChainResult, tags=["Revisionsspor"],
            summary="Kontrollér hash-kæden")
def audit_verify(ctx: Ctx) -> ChainResult:
    report = verify_chain(ctx)
    return ChainResult(ok=report.ok, events=report.events,
                       broken_event_id=report.broken_event_id, reason=report.reason)
