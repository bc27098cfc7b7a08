"""The carry-over report on the dashboard: what was carried over, and a preview for a day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from aftaleflow.services.structure.carryover import (
    carried_over_events,
    plan_carry_over,
    succession_days,
)
from aftaleflow.services.structure.origins import valid_origins
from aftaleflow.web import auth
from aftaleflow.web.render import html_errors, page

router = APIRouter(prefix="/ui", include_in_schema=False)


def _default_day(days: list[date], today: date) -> date:
    """The next structure change in master data, else the latest one, else today."""
    coming = [d for d in days if d >= today]
    return coming[0] if coming else (days[-1] if days else today)


@router.get("/struktur", response_class=HTMLResponse)
@html_errors
def carry_over_report(request: Request, ctx: auth.WebCtx,
                      dato: Annotated[date | None, Query()] = None) -> Response:
    days = succession_days(ctx)
    day = dato or _default_day(days, ctx.now().date())
    done: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for event in carried_over_events(ctx):
        done.setdefault((event.agreement_id, event.title), []).append((event.at[:10],
                                                                       event.text))
    return page(request, ctx, "structure.html", "Strukturændring", day=day, days=days,
                done=done, preview=plan_carry_over(ctx, day), origins=valid_origins(ctx, day))
