"""Governance master data as valid on a day (`?date=`, default today), its import, and the
committees an administrator adds and ends."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, StringConstraints
from pydantic import Field as PydField

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import BodyEndIn, BodyIn, IsoDate
from aftaleflow.masterdata.files import FILES
from aftaleflow.services.structure import bodies as body_service
from aftaleflow.services.structure import reading as structure
from aftaleflow.services.structure.masterdata_import import ImportReport, import_master_data
from aftaleflow.services.structure.reading import (
    BodyView,
    ClusterView,
    MunicipalityView,
    RegionView,
)

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


BodyKey = Annotated[str, Path(min_length=2, max_length=60, description="Organets nøgle.")]


@router.post("/bodies", status_code=201, response_model=BodyView, responses=responses(409),
             summary="Tilføj et udvalg (fagudvalg, udvalg) uden ny version")
def add_body(ctx: Ctx, body: BodyIn) -> BodyView:
    """Kun administratorer; registreres i revisionssporet."""
    return body_service.add_body(ctx, body_service.NewBody(**body.model_dump()))


@router.post("/bodies/{key}/end", response_model=BodyView,
             summary="Nedlæg et udvalg fra en dato (bevares i historikken)")
def end_body(ctx: Ctx, key: BodyKey, body: BodyEndIn) -> BodyView:
    return body_service.end_body(ctx, key, body.valid_to)


class MasterDataImportIn(BaseModel):
    """A new version of the master-data files, each file's YAML text by its name."""

    files: dict[Annotated[str, StringConstraints(max_length=40)],
                Annotated[str, StringConstraints(max_length=2_000_000)]] = PydField(
        max_length=len(FILES),
        description=f"Alle fem filer: {', '.join(FILES)} (navn → YAML-tekst).")
    dry_run: bool = PydField(default=True, description="Kun vis, hvad der ville ændres.")
    effective: IsoDate | None = PydField(
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
