"""Status matrix and audit verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import ChainResult
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.reading.status import status_matrix
from aftaleflow.services.views import AgreementView

router = APIRouter(responses=responses(401, 403, 404, 422, 503))


class StatusMatrix(BaseModel):
    agreements: list[AgreementView]


@router.get("/status", response_model=StatusMatrix, tags=["Status"],
            summary="Statusmatrix: aftaler × parter")
def status(ctx: Ctx, region: Annotated[str | None, Query(max_length=60)] = None
           ) -> StatusMatrix:
    return StatusMatrix(agreements=status_matrix(ctx, region=region))


@router.get("/audit/verify", response_model=ChainResult, tags=["Revisionsspor"],
            summary="Kontrollér hash-kæden")
def audit_verify(ctx: Ctx) -> ChainResult:
    report = verify_chain(ctx)
    return ChainResult(ok=report.ok, events=report.events,
                       broken_event_id=report.broken_event_id, reason=report.reason)
