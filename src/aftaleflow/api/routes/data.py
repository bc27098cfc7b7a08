"""Search and exports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.services.reading.exports import export
from aftaleflow.services.reading.search import SearchHit, search

router = APIRouter(tags=["Søgning og eksport"], responses=responses(401, 403, 404, 422, 503))
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/search", response_model=list[SearchHit], summary="Fritekstsøgning")
def search_route(ctx: Ctx, q: Annotated[str, Query(min_length=1, max_length=200,
                                                   examples=["udskrivelse"])],
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[SearchHit]:
    """Søger i aftaler, dagsordenpunkter og dokumenter; alle ord i enhver bøjning."""
    return search(ctx, q, limit=limit)


@router.get("/exports/{what}", summary="Eksport af statusmatrix eller aftaleliste",
            response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()},
                             "description": "CSV, XLSX eller JSON"}})
def export_route(ctx: Ctx, what: Literal["matrix", "agreements"],
                 format: Literal["csv", "xlsx", "json"] = "csv",
                 region: Annotated[str | None, Query(max_length=60)] = None) -> Response:
    data = export(ctx, what, format, region=region)
    return Response(data, media_type=MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="{what}.{format}"'})
