"""The administrator's users page: token status, expiry, last use; revoke and rotate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from aftaleflow.services.access.users import list_users, revoke_token, rotate_token
from aftaleflow.web import auth
from aftaleflow.web.render import back, html_errors, page

router = APIRouter(prefix="/ui/brugere", include_in_schema=False)
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_class=HTMLResponse)
@html_errors
def users(request: Request, ctx: auth.WebCtx) -> Response:
    return page(request, ctx, "users.html", "Brugere", users=list_users(ctx))


@router.post("/{user_id}/tilbagekald")
@html_errors
def revoke(request: Request, ctx: auth.WebCtx, form: auth.Form, user_id: UserId) -> Response:
    view = revoke_token(ctx, user_id)
    return back("/ui/brugere", f"Tokenet for {view.name} er tilbagekaldt; brugeren er logget "
                               "ud overalt.")


@router.post("/{user_id}/forny", response_class=HTMLResponse)
@html_errors
def rotate(request: Request, ctx: auth.WebCtx, form: auth.Form, user_id: UserId) -> Response:
    """The new token is shown in this answer only; no redirect or cookie carries it."""
    view, token = rotate_token(ctx, user_id)
    return page(request, ctx, "users.html", "Brugere", users=list_users(ctx),
                new_token=(view, token))
