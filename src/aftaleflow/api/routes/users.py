"""Users and their secrets: create, list, revoke, rotate; calendar keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import RotateIn, UserIn
from aftaleflow.config import get_settings
from aftaleflow.services.access import users as service
from aftaleflow.services.access.users import UserView

router = APIRouter(tags=["Brugere"], responses=responses(401, 403, 422, 503))
UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Brugerens nummer.")]


class CreatedUser(BaseModel):
    user: UserView
    token: str


class FeedKey(BaseModel):
    user: UserView
    feed_url: str


@router.get("/users", response_model=list[UserView], summary="Brugere med tokenets status")
def users(ctx: Ctx) -> list[UserView]:
    """Status (aktiv, udløbet, tilbagekaldt), udløb og seneste brug; aldrig selve tokenet."""
    return service.list_users(ctx)


@router.post("/users", status_code=201, response_model=CreatedUser,
             summary="Opret bruger; tokenet vises kun denne ene gang",
             responses=responses(404, 409))
def new_user(ctx: Ctx, body: UserIn) -> CreatedUser:
    user, token = service.create_user(ctx, body.name, body.role, body.body, body.days)
    return CreatedUser(user=user, token=token)


@router.post("/users/{user_id}/revoke", response_model=UserView,
             summary="Tilbagekald brugerens token med det samme", responses=responses(404))
def revoke(ctx: Ctx, user_id: UserId) -> UserView:
    """Tokenet afvises fra næste forespørgsel i API, dashboard og kalender-feed."""
    return service.revoke_token(ctx, user_id)


@router.post("/users/{user_id}/rotate", response_model=CreatedUser,
             summary="Giv brugeren et nyt token; det gamle holder op med at virke",
             responses=responses(404))
def rotate(ctx: Ctx, user_id: UserId, body: RotateIn | None = None) -> CreatedUser:
    user, token = service.rotate_token(ctx, user_id, body.days if body else None)
    return CreatedUser(user=user, token=token)


@router.post("/users/{user_id}/feed-key", response_model=FeedKey,
             summary="Lav en ny kalendernøgle til brugeren (vises kun nu)",
             responses=responses(404))
def feed_key(ctx: Ctx, user_id: UserId) -> FeedKey:
    user, key = service.issue_feed_key(ctx, user_id)
    return FeedKey(user=user, feed_url=_feed_url(key))


@router.delete("/users/{user_id}/feed-key", response_model=UserView,
               summary="Tilbagekald brugerens kalendernøgle", responses=responses(404))
def drop_feed_key(ctx: Ctx, user_id: UserId) -> UserView:
    return service.revoke_feed_key(ctx, user_id)


@router.post("/me/feed-key", response_model=FeedKey,
             summary="Lav din egen kalendernøgle (vises kun nu)")
def own_feed_key(ctx: Ctx) -> FeedKey:
    """Kalendernøglen kan kun læse kalender-feedet, ikke API'et."""
    user, key = service.issue_feed_key(ctx)
    return FeedKey(user=user, feed_url=_feed_url(key))


def _feed_url(key: str) -> str:
    return f"{get_settings().base_url}/ui/kalender.ics?noegle={key}"
