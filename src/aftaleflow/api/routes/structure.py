"""The carry-over of open cases to the successors in master data, for the administrator."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import IsoDate
from aftaleflow.domain.succession import CarryOverReport, CaseCarryOver
from aftaleflow.services.structure.carryover import carry_over, plan_carry_over
from aftaleflow.services.structure.origins import valid_origins

router = APIRouter(prefix="/structure", tags=["Stamdata"],
                   responses=responses(401, 403, 422, 503))


class CarryOverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: IsoDate = Field(description="Dagen strukturen skifter", examples=["2027-01-01"])


class CarryOverOut(BaseModel):
    on: date
    dry_run: bool
    changes: int
    cases: list[CaseCarryOver]
    text: list[str] = Field(description="Rapporten på dansk, linje for linje")


def _out(report: CarryOverReport) -> CarryOverOut:
    return CarryOverOut(on=report.on, dry_run=report.dry_run, changes=report.changes,
                        cases=report.cases, text=report.lines())


@router.get("/carry-over", response_model=CarryOverOut,
            summary="Forhåndsvis overførslen af åbne sager pr. en dato")
def preview(ctx: Ctx, on: Annotated[IsoDate, Query(description="Fx 2027-01-01")]
            ) -> CarryOverOut:
    """Hvad overførslen vil ændre, per sag og per part; intet ændres."""
    return _out(plan_carry_over(ctx, on))


@router.post("/carry-over", response_model=CarryOverOut,
             summary="Overfør åbne sager til efterfølgerne i stamdata")
def apply(ctx: Ctx, body: CarryOverIn) -> CarryOverOut:
    """Én transaktion per sag, en revisionshændelse per ændring; kan køres igen uden virkning.
    Afvises (422) før dagen."""
    return _out(carry_over(ctx, body.on))


class OriginOut(BaseModel):
    key: str
    label: str = Field(description="Som den vises, med '(foreløbig)' hvis ikke bekræftet")
    first_state: str
    valid_from: date
    valid_to: date | None
    confirmed: bool
    source: str
    default: bool = Field(description="Gives, når en ny aftale ikke nævner en oprindelse")


@router.get("/origins", response_model=list[OriginOut],
            summary="Oprindelser, en aftale oprettet på dagen kan få")
def origins(ctx: Ctx, on: Annotated[IsoDate | None, Query(
        alias="date", description="Dagen, fx 2027-01-04 (standard i dag)")] = None
            ) -> list[OriginOut]:
    """Stamdata med gyldighedsdatoer: "Bestilling fra SSU" gælder til 2026-12-31."""
    return [OriginOut(key=o.key, label=o.shown, first_state=o.first_state,
                      valid_from=o.valid_from, valid_to=o.valid_to, confirmed=o.confirmed,
                      source=o.source, default=o.default) for o in valid_origins(ctx, on)]
