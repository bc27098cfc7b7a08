"""Governance master data as valid on a day (`?date=`, default today), and its import."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, StringConstraints
from pydantic import Field as PydField

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.masterdata.files import FILES
from aftaleflow.services import structure
from aftaleflow.services.masterdata_import import ImportReport, import_master_data
from aftaleflow.services.structure import BodyView, ClusterView, MunicipalityView, RegionView

router = APIRouter(tags=["Stamdata"], responses=responses(401, 403, 404, 422, 503))
DateQ = Query(default=None, description="Strukturen gældende denne dag, fx 2027-01-01.",
              examples=["2026-06-01"])


@router.get("/regions", response_model=list[RegionView], summary="Regioner")
def regions(ctx: Ctx, date: date | None = DateQ) -> list[RegionView]:
    return structure.list_regions(ctx, date)


@router.get("/municipalities", response_model=list[MunicipalityView], summary="Kommuner")
def municipalities(ctx: Ctx, date: date | None = DateQ) -> list[MunicipalityView]:
    return structure.list_municipalities(ctx, date)


@router.get("/clusters", response_model=list[ClusterView],
            summary="Sundhedsklynger (til 2026) og sundhedsråd (fra 2027)")
def clusters(ctx: Ctx, date: date | None = DateQ) -> list[ClusterView]:
    return structure.list_clusters(ctx, date)


@router.get("/bodies", response_model=list[BodyView], summary="Politiske organer")
def bodies(ctx: Ctx, date: date | None = DateQ,
           kind: str | None = Query(default=None, max_length=40,
                                    examples=["kommunalbestyrelse"])) -> list[BodyView]:
    return structure.list_bodies(ctx, date, kind)


class MasterDataImportIn(BaseModel):
    """A new version of the master-data files, each file's YAML text by its name."""

    files: dict[Annotated[str, StringConstraints(max_length=40)],
                Annotated[str, StringConstraints(max_length=2_000_000)]] = PydField(
        max_length=len(FILES),
        description=f"Alle fem filer: {', '.join(FILES)} (navn → YAML-tekst).")
    dry_run: bool = PydField(default=True, description="Kun vis, hvad der ville ændres.")
    effective: date | None = PydField(
        default=None, description="Ændringerne gælder fra denne dag (standard i dag).")


@router.post("/masterdata/import", response_model=ImportReport,
             summary="Indlæs en ny version af stamdata (standard: kun forhåndsvisning)",
             description="Kontrollerer alle filer (fejl med fil, linje og felt giver 422, og "
                         "intet indlæses), viser tilføjede, ophørte og ændrede rækker og "
                         "medlemskaber og de åbne sager, de berører. Med `dry_run: false` "
                         "indlæses de med en hændelse i revisionssporet; historikken "
                         "overskrives aldrig.")
def import_masterdata(ctx: Ctx, body: MasterDataImportIn) -> ImportReport:
    sources = {name: text.encode("utf-8") for name, text in body.files.items()}
    return import_master_data(ctx, sources, dry_run=body.dry_run, effective=body.effective)
