"""The agreement page's publication choice and aktindsigt button (case handlers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from aftaleflow.domain.errors import DomainError, ValidationFailed
from aftaleflow.services.agreements.publication import set_publication
from aftaleflow.services.documents.aktindsigt import AktindsigtRequest, aktindsigt_case
from aftaleflow.web import auth
from aftaleflow.web.render import back

router = APIRouter(prefix="/ui/aftaler", include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _day(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{label} skal være en dato (ÅÅÅÅ-MM-DD).") from None


@router.post("/{agreement_id}/offentlighed")
def publication(request: Request, ctx: auth.WebCtx, form: auth.Form, agreement_id: Id
                ) -> Response:
    url = f"/ui/aftaler/{agreement_id}"
    try:
        view = set_publication(ctx, agreement_id, auth.text(form, "publication", 40),
                               _day(auth.text(form, "public_from", 20), "Datoen"))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    shown = "vises nu" if view.public_now else "vises ikke nu"
    return back(url, f"Offentlighed gemt: {view.label} ({shown} på de offentlige sider).")


@router.post("/{agreement_id}/aktindsigt")
def aktindsigt(request: Request, ctx: auth.WebCtx, form: auth.Form, agreement_id: Id
               ) -> Response:
    url = f"/ui/aftaler/{agreement_id}"
    try:
        received = _day(auth.text(form, "received_on", 20), "Modtagelsesdatoen")
        if received is None:
            raise ValidationFailed("Angiv dagen, anmodningen blev modtaget.")
        package = aktindsigt_case(ctx, agreement_id, AktindsigtRequest(
            auth.text(form, "requester", 200), received))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    return Response(package.data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{package.name}"',
        "Cache-Control": "no-store"})
