"""Meetings and agenda items for committee clerks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import AgendaItemIn, ItemDecisionIn, MeetingIn
from aftaleflow.services.meetings import agenda as service
from aftaleflow.services.meetings.bilag import BilagFile
from aftaleflow.services.views import AgendaItemView, MeetingView

router = APIRouter(tags=["Møder og dagsordener"],
                   responses=responses(401, 403, 404, 422, 503))
MeetingId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Mødets nummer.")]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Dagsordenpunktets nummer.")]


@router.get("/meetings", response_model=list[MeetingView], summary="Møder")
def list_meetings(ctx: Ctx) -> list[MeetingView]:
    return service.list_meetings(ctx)


@router.post("/meetings", status_code=201, response_model=MeetingView, summary="Opret møde")
def create_meeting(ctx: Ctx, body: MeetingIn) -> MeetingView:
    return service.create_meeting(ctx, body.body, body.starts_at, body.place)


@router.get("/meetings/{meeting_id}", response_model=MeetingView, summary="Møde med dagsorden")
def get_meeting(ctx: Ctx, meeting_id: MeetingId) -> MeetingView:
    return service.get_meeting(ctx, meeting_id)


@router.post("/meetings/{meeting_id}/items", status_code=201, response_model=AgendaItemView,
             summary="Tilføj dagsordenpunkt", responses=responses(409))
def add_item(ctx: Ctx, meeting_id: MeetingId, body: AgendaItemIn) -> AgendaItemView:
    """Med `agreement_id` udfyldes punktet fra aftalen, og partens godkendelse bliver
    'sat på dagsorden'."""
    return service.add_item(ctx, meeting_id, service.NewItem(**body.model_dump()))


@router.post("/agenda-items/{item_id}/decision", response_model=AgendaItemView,
             summary="Registrér beslutning på et dagsordenpunkt", responses=responses(409))
def decide_item(ctx: Ctx, item_id: ItemId, body: ItemDecisionIn
                ) -> AgendaItemView:
    """På kommunalbestyrelsens eller regionsrådets møde er beslutningen partens afgørelse."""
    return service.decide_item(ctx, item_id, body.decision_text, body.decision)


PDF_BODY = {"requestBody": {"required": True, "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


@router.post("/agenda-items/{item_id}/attachments", status_code=201,
             response_model=AgendaItemView, summary="Vedhæft et bilag som PDF-fil",
             openapi_extra=PDF_BODY)
def add_attachment(ctx: Ctx, item_id: ItemId,
                   name: Annotated[str, Query(min_length=1, max_length=300,
                                              description="Bilagets navn på dagsordenen.")],
                   data: Annotated[bytes, Body(media_type="application/pdf")]
                   ) -> AgendaItemView:
    """Send PDF-filen som request body (Content-Type: application/pdf). Bilaget sættes bag
    punktet og listes med sidetal, når punktet eller dagsordenen dannes."""
    return service.add_item_attachment(ctx, item_id, BilagFile(name=name, data=data))
