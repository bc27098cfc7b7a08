"""When an agreement is public, and aktindsigt: the same services as the CLI and dashboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.services.agreements.publication import (
    PublicationView,
    get_publication,
    set_publication,
)
from aftaleflow.services.documents.aktindsigt import AktindsigtRequest, aktindsigt_case

router = APIRouter(prefix="/agreements", tags=["Samarbejdsaftaler"],
                   responses=responses(401, 403, 404, 422, 503))
Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="Aftalens nummer.")]


class PublicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publication: Literal["ved_indstilling", "fra_dato", "aldrig"] = Field(
        description="Fra indstilling til godkendelse (standard), fra en dato, eller aldrig.")
    public_from: date | None = Field(None, description="Med fra_dato: den første dag.")


class AktindsigtIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requester: str = Field(min_length=1, max_length=200, description="Hvem der har bedt.")
    received_on: date = Field(description="Dagen anmodningen blev modtaget.")


@router.get("/{agreement_id}/publication", response_model=PublicationView,
            summary="Hvornår aftalen er offentlig")
def publication(ctx: Ctx, agreement_id: Id) -> PublicationView:
    """Eksempel: `GET /agreements/3/publication`."""
    return get_publication(ctx, agreement_id)


@router.put("/{agreement_id}/publication", response_model=PublicationView,
            summary="Bestem, hvornår aftalen vises på /offentlig/")
def change_publication(ctx: Ctx, agreement_id: Id, body: PublicationIn) -> PublicationView:
    """Sagsbehandleren vælger. Eksempel: `{"publication": "fra_dato",
    "public_from": "2026-12-01"}`. En hændelse i revisionssporet."""
    return set_publication(ctx, agreement_id, body.publication, body.public_from)


@router.post("/{agreement_id}/aktindsigt", summary="Aktindsigtspakke (BagIt i zip)",
             response_class=Response,
             responses={200: {"content": {"application/zip": {}},
                              "description": "Det, der kan udleveres; undtaget.json lister "
                                             "resten med lovhenvisning"}})
def aktindsigt(ctx: Ctx, agreement_id: Id, body: AktindsigtIn) -> Response:
    """Registrerer anmodningen (anmoder og dato) og danner pakken. Kontrollér den med
    `aftaleflow archive verify`. Eksempel: `{"requester": "Jens Hansen",
    "received_on": "2026-12-01"}`."""
    package = aktindsigt_case(ctx, agreement_id,
                              AktindsigtRequest(body.requester, body.received_on))
    return Response(package.data, media_type="application/zip", headers={
        "ETag": f'"{package.sha256}"',
        "Content-Disposition": f'attachment; filename="{package.name}"'})
