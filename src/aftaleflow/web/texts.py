"""The page "Ændringer i teksten": an agreement's text versions and the changes between two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from aftaleflow.services.agreements.cases import get_agreement
from aftaleflow.services.agreements.texts import diff_texts, list_texts
from aftaleflow.web import auth
from aftaleflow.web.render import html_errors, page

router = APIRouter(prefix="/ui/aftaler", include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
VersionNo = Annotated[int | None, Query(ge=1, le=10_000)]


@router.get("/{agreement_id}/aendringer", response_class=HTMLResponse)
@html_errors
def text_changes(request: Request, ctx: auth.WebCtx, agreement_id: Id,
                 fra: VersionNo = None, til: VersionNo = None) -> Response:
    view = get_agreement(ctx, agreement_id)
    texts = list_texts(ctx, agreement_id)
    diff = diff_texts(ctx, agreement_id, fra, til) if len(texts) > 1 or fra or til else None
    return page(request, ctx, "text_changes.html",
                f"Ændringer i teksten – samarbejdsaftale #{view.id}", a=view, texts=texts,
                diff=diff)
