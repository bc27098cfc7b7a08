"""The committee clerk's pages: meetings, building the agenda, dagsorden PDFs."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from aftaleflow.config import TIMEZONE
from aftaleflow.domain.errors import DomainError, ValidationFailed
from aftaleflow.services.documents.case_documents import list_documents, render_agenda
from aftaleflow.services.meetings.agenda import (
    ITEM_DECISIONS,
    NewItem,
    add_item,
    create_meeting,
    decide_item,
    get_meeting,
    list_meetings,
    move_item,
    set_item_closed,
)
from aftaleflow.services.reading.dashboard import matrix_agreements
from aftaleflow.services.structure.reading import list_bodies
from aftaleflow.web import auth
from aftaleflow.web.render import back, html_errors, page

router = APIRouter(prefix="/ui/moeder", include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MEETING_BODY_KINDS = ("kommunalbestyrelse", "regionsraad", "oekonomiudvalg", "fagudvalg",
                      "forretningsudvalg", "ssu")
DOCUMENT_KINDS = {
    "dagsorden": ("Dagsorden", False, False),
    "dagsorden_offentlig": ("Dagsorden (offentlig, uden lukkede punkter)", True, False),
    "beslutningsprotokol": ("Beslutningsprotokol", False, True),
    "beslutningsprotokol_offentlig": ("Beslutningsprotokol (offentlig)", True, True),
}
DECISION_LABELS = {"godkendt": "Godkendt", "afvist": "Afvist", "udsat": "Udsat"}


@router.get("", response_class=HTMLResponse)
@html_errors
def meetings(request: Request, ctx: auth.WebCtx) -> Response:
    items = list_meetings(ctx)
    bodies = ([b for b in list_bodies(ctx) if b.kind in MEETING_BODY_KINDS]
              if ctx.principal.may("meeting.write") else [])
    return page(request, ctx, "meetings.html", "Møder", meetings=items, bodies=bodies,
                now=ctx.now())


@router.post("")
def new_meeting(request: Request, ctx: auth.WebCtx, form: auth.Form) -> Response:
    try:
        body = auth.text(form, "body")
        meeting = create_meeting(ctx, body, _starts_at(form), auth.text(form, "place"))
    except DomainError as exc:
        return back("/ui/moeder", exc.message, "fejl")
    return back(f"/ui/moeder/{meeting.id}", f"Mødet i {meeting.body} er oprettet.")


@router.get("/{meeting_id}", response_class=HTMLResponse)
@html_errors
def meeting(request: Request, ctx: auth.WebCtx, meeting_id: Id) -> Response:
    view = get_meeting(ctx, meeting_id)
    writable = ctx.principal.may("meeting.write")
    candidates = matrix_agreements(ctx, state="i_godkendelse") if writable else []
    on_agenda = {i.agreement_id for i in view.items}
    candidates = [a for a in candidates if a.id not in on_agenda]
    # the agreements this body approves first; a committee (FAG, ØKU) may take any of them
    own = [a for a in candidates if any(p.body_key == view.body_key for p in a.approvals)]
    return page(request, ctx, "meeting.html", f"Møde: {view.body}", m=view,
                writable=writable, may_render=ctx.principal.may("document.write"),
                documents=list_documents(ctx, meeting_id=meeting_id),
                candidates=own or candidates,
                document_kinds=DOCUMENT_KINDS, decisions=DECISION_LABELS)


@router.post("/{meeting_id}/punkter")
def new_item(request: Request, ctx: auth.WebCtx, form: auth.Form, meeting_id: Id) -> Response:
    url = f"/ui/moeder/{meeting_id}"
    try:
        agreement_id = auth.number(form, "agreement_id") if form.get("agreement_id") else None
        item = add_item(ctx, meeting_id, NewItem(
            title=auth.text(form, "title"), agreement_id=agreement_id,
            closed=form.get("closed") == "true",
            late_reason=auth.text(form, "late_reason", 2000) or None))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    return back(url, f"Punkt {item.number} «{item.title}» er tilføjet.")


@router.post("/{meeting_id}/punkter/{item_id}/flyt")
def move(request: Request, ctx: auth.WebCtx, form: auth.Form, meeting_id: Id,
         item_id: Id) -> Response:
    url = f"/ui/moeder/{meeting_id}"
    try:
        meeting = move_item(ctx, item_id, auth.number(form, "position"))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    number = next(i.number for i in meeting.items if i.id == item_id)
    return back(url, f"Punktet er nu punkt {number}.")


@router.post("/{meeting_id}/punkter/{item_id}/lukket")
def closed(request: Request, ctx: auth.WebCtx, form: auth.Form, meeting_id: Id,
           item_id: Id) -> Response:
    url = f"/ui/moeder/{meeting_id}"
    try:
        item = set_item_closed(ctx, item_id, form.get("closed") == "true")
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    state = "lukket" if item.closed else "åbent"
    return back(url, f"Punkt {item.number} «{item.title}» er nu {state}.")


@router.post("/{meeting_id}/punkter/{item_id}/beslutning")
def decide(request: Request, ctx: auth.WebCtx, form: auth.Form, meeting_id: Id,
           item_id: Id) -> Response:
    url = f"/ui/moeder/{meeting_id}"
    decision = form.get("decision", "")
    try:
        item = decide_item(ctx, item_id, auth.text(form, "text", 20_000),
                           decision if decision in ITEM_DECISIONS else None)
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    return back(url, f"Beslutningen på punkt {item.number} er registreret.")


@router.post("/{meeting_id}/dokumenter")
def render(request: Request, ctx: auth.WebCtx, form: auth.Form, meeting_id: Id) -> Response:
    url = f"/ui/moeder/{meeting_id}"
    kind = form.get("kind", "dagsorden")
    if kind not in DOCUMENT_KINDS:
        return back(url, "Ukendt dokumenttype.", "fejl")
    label, public, protocol = DOCUMENT_KINDS[kind]
    try:
        record = render_agenda(ctx, meeting_id, public=public, protocol=protocol)
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    return back(url, f"{label} er dannet (dokument {record.id}) og kan hentes nedenfor.")


def _starts_at(form: dict[str, str]) -> datetime | date:
    """The day, and the time when the clerk knows it (the service keeps a day-only meeting)."""
    try:
        day = date.fromisoformat(auth.text(form, "dato", 10).strip())
    except ValueError:
        raise ValidationFailed("Mødedatoen skal være en dato, fx 2026-06-16.") from None
    clock = auth.text(form, "klokken", 8).strip()
    if not clock:
        return day
    try:
        return datetime.combine(day, time.fromisoformat(clock), tzinfo=TIMEZONE)
    except ValueError:
        raise ValidationFailed("Klokkeslættet skal være fx 17:00, eller tomt, når det ikke er "
                               "fastsat endnu.") from None
