"""The archive package of a case over HTTP: the same bytes as `aftaleflow archive N`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.services.documents.archive import archive_case

router = APIRouter(prefix="/agreements", tags=["Samarbejdsaftaler"],
                   responses=responses(401, 403, 404, 422, 503))
Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="Aftalens nummer.")]


@router.get("/{agreement_id}/archive", summary="Sagens arkivpakke (BagIt i zip)",
            response_class=Response,
            responses={200: {"content": {"application/zip": {}},
                             "description": "BagIt-pakke (RFC 8493); ETag er pakkens sha256"}})
def archive(ctx: Ctx, agreement_id: Id) -> Response:
    """Alle sagens dokumenter, revisionsspor med hashes og kontrol, godkendelser pr. runde,
    tekstversioner og en PDF/A-forside med sha256 for hver fil. Samme sag giver samme bytes.
    Eksempel: `GET /agreements/3/archive`; kontrollér med `aftaleflow archive verify`."""
    package = archive_case(ctx, agreement_id)
    return Response(package.data, media_type="application/zip", headers={
        "ETag": f'"{package.sha256}"',
        "Content-Disposition": f'attachment; filename="{package.name}"'})
