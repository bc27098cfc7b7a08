"""Meetings and agenda items for committee clerks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import AgendaItemIn, ItemDecisionIn, MeetingIn
from aftaleflow.services import meetings as service
from aftaleflow.services.views import AgendaItemView, MeetingView

router = APIRouter(tags=["Møder og dagsordener"], responses=responses(401, 403, 422))


@router.get("/meetings", response_model=list[MeetingView], summary="Møder")
def list_meetings(ctx: Ctx) -> list[MeetingView]:
    return service.list_meetings(ctx)


@router.post("/meetings", status_code=201, response_model=MeetingView, summary="Opret møde",
             responses=responses(404))
def create_meeting(ctx: Ctx, body: MeetingIn) -> MeetingView:
    return service.create_meeting(ctx, body.body, body.starts_at, body.place)


@router.get("/meetings/{meeting_id}", response_model=MeetingView, summary="Møde med dagsorden",
            responses=responses(404))
def get_meeting(ctx: Ctx, meeting_id: int) -> MeetingView:
    return service.get_meeting(ctx, meeting_id)


@router.post("/meetings/{meeting_id}/items", status_code=201, response_model=AgendaItemView,
             summary="Tilføj dagsordenpunkt", responses=responses(404, 409))
def add_item(ctx: Ctx, meeting_id: int, body: AgendaItemIn) -> AgendaItemView:
    """Med `agreement_id` udfyldes punktet fra aftalen, og partens godkendelse bliver
    'sat på dagsorden'."""
    return service.add_item(ctx, meeting_id, service.NewItem(**body.model_dump()))


@router.post("/agenda-items/{item_id}/decision", response_model=AgendaItemView,
             summary="Registrér beslutning på et dagsordenpunkt", responses=responses(404, 409))
def decide_item(ctx: Ctx, item_id: Annotated[int, "item"], body: ItemDecisionIn
                ) -> AgendaItemView:
    """På kommunalbestyrelsens eller regionsrådets møde er beslutningen partens afgørelse."""
    return service.decide_item(ctx, item_id, body.decision_text, body.decision)
