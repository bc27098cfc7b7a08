"""Read-only governance master data, as valid on a day (`?date=`, default today)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import IsoDate
from aftaleflow.services import structure
from aftaleflow.services.structure import BodyView, ClusterView, MunicipalityView, RegionView

router = APIRouter(tags=["Stamdata"], responses=responses(401, 403, 404, 422, 503))
DateQ = Query(default=None, description="Strukturen gældende denne dag, fx 2027-01-01.",
              examples=["2026-06-01"])


@router.get("/regions", response_model=list[RegionView], summary="Regioner")
def regions(ctx: Ctx, date: IsoDate | None = DateQ) -> list[RegionView]:
    return structure.list_regions(ctx, date)


@router.get("/municipalities", response_model=list[MunicipalityView], summary="Kommuner")
def municipalities(ctx: Ctx, date: IsoDate | None = DateQ) -> list[MunicipalityView]:
    return structure.list_municipalities(ctx, date)


@router.get("/clusters", response_model=list[ClusterView],
            summary="Sundhedsklynger (til 2026) og sundhedsråd (fra 2027)")
def clusters(ctx: Ctx, date: IsoDate | None = DateQ) -> list[ClusterView]:
    return structure.list_clusters(ctx, date)


@router.get("/bodies", response_model=list[BodyView], summary="Politiske organer")
def bodies(ctx: Ctx, date: IsoDate | None = DateQ,
           kind: str | None = Query(default=None, max_length=40,
                                    examples=["kommunalbestyrelse"])) -> list[BodyView]:
    return structure.list_bodies(ctx, date, kind)
