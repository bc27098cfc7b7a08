"""Text versions of an agreement: list, revise the draft, and what changed between two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from aftaleflow.api.deps import Ctx, Version
from aftaleflow.api.problems import responses
from aftaleflow.services.agreements import texts as service
from aftaleflow.services.agreements.texts import TextDiffView, TextRevision, TextVersionView

router = APIRouter(prefix="/agreements", tags=["Samarbejdsaftaler"],
                   responses=responses(401, 403, 404, 422, 503))
Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="Aftalens nummer.")]


class TextIn(BaseModel):
    """Only the fields given change; the rest stay as in the current draft."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=100_000)
    body: str | None = Field(default=None, max_length=100_000,
                             examples=["Kommunen følger op inden for to hverdage."])
    attachments: list[str] | None = Field(default=None, max_length=100,
                                          examples=[["Bilag 1: Flowdiagram"]])
    comment: str | None = Field(default=None, max_length=5000)


@router.get("/{agreement_id}/texts", response_model=list[TextVersionView],
            summary="Aftalens tekstversioner med runde og dato")
def list_texts(ctx: Ctx, agreement_id: Id) -> list[TextVersionView]:
    return service.list_texts(ctx, agreement_id)


@router.post("/{agreement_id}/texts", response_model=TextVersionView,
             summary="Ret udkastet til aftalens tekst", responses=responses(409, 428))
def revise_text(ctx: Ctx, agreement_id: Id, body: TextIn, version: Version) -> TextVersionView:
    """Kræver `If-Match`. Kun før første runde og under genforhandling (ellers 409);
    efter et afslag bliver rettelsen næste rundes tekstversion."""
    return service.revise_text(ctx, agreement_id, TextRevision(**body.model_dump()),
                               expected_version=version)


@router.get("/{agreement_id}/diff", response_model=TextDiffView,
            summary="Ændringer mellem to tekstversioner, ord for ord")
def diff(ctx: Ctx, agreement_id: Id,
         from_version: Annotated[int | None, Query(alias="from", ge=1, le=10_000)] = None,
         to_version: Annotated[int | None, Query(alias="to", ge=1, le=10_000)] = None,
         ) -> TextDiffView:
    """Eksempel: `GET /agreements/3/diff?from=1&to=2`. Hvert felt (titel, beskrivelse,
    aftaletekst, bilag) som afsnit af typen `uaendret`, `indsat` eller `slettet`. Uden
    `from`/`to`: den nyeste version mod den forrige."""
    return service.diff_texts(ctx, agreement_id, from_version, to_version)
