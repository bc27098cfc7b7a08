"""Deadlines and meetings as a page and as an ICS feed Outlook can subscribe to.

Outlook cannot send an Authorization header or cookies when it polls a subscribed calendar, so
the feed takes a calendar key in the address (`?noegle=afk_…`): each user's own, read-only,
usable for this feed only, stored as a hash and revocable; never the API token (an address
with `?token=` is refused). The access log never records the query string (serving.logs).
Links in the feed come from AFTALEFLOW_BASE_URL, never from the request's Host header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from icalendar import Calendar, Event
from starlette.responses import Response

from aftaleflow.config import get_settings
from aftaleflow.domain.access import Role
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.domain.machines import APPROVAL
from aftaleflow.services.access.sessions import authenticate_feed
from aftaleflow.services.access.users import issue_feed_key, revoke_feed_key
from aftaleflow.services.meetings.agenda import list_meetings
from aftaleflow.services.reading.dashboard import current_user, matrix_agreements
from aftaleflow.services.uow import ServiceContext
from aftaleflow.web import auth
from aftaleflow.web.render import back, html_errors, login_redirect, page

router = APIRouter(prefix="/ui", include_in_schema=False)
MEETING_LENGTH = timedelta(hours=2)


@dataclass(frozen=True)
class Entry:
    uid: str
    day: date
    starts_at: datetime | None  # None: an all-day deadline
    title: str
    place: str
    link: str
    kind: str  # moede | frist | dagsordenfrist


def entries(ctx: ServiceContext, since: date) -> list[Entry]:
    """Meetings, their agenda deadlines and open approval deadlines from `since` on."""
    found: list[Entry] = []
    if ctx.principal.may("meeting.read"):
        policy = load_policy()
        for m in list_meetings(ctx):
            day = m.starts_at.date()
            deadline = policy.agenda_deadline(day, m.body_kind).date
            if day >= since:
                found.append(Entry(f"moede-{m.id}@aftaleflow", day,
                                   m.starts_at if m.has_time else None, f"Møde: {m.body}",
                                   m.place, f"/ui/moeder/{m.id}", "moede"))
            if deadline >= since:
                found.append(Entry(f"dagsordenfrist-{m.id}@aftaleflow", deadline, None,
                                   f"Frist for udsendelse af dagsorden: {m.body} "
                                   f"({day:%d.%m.%Y})", "", f"/ui/moeder/{m.id}",
                                   "dagsordenfrist"))
    user = current_user(ctx)
    for a in matrix_agreements(ctx, state="i_godkendelse"):
        for p in a.approvals:
            if user.role == Role.PARTY and p.body_key != user.body_key:
                continue
            if p.deadline and p.deadline >= since and not APPROVAL.state(p.state).final:
                found.append(Entry(f"frist-{p.id}@aftaleflow", p.deadline, None,
                                   f"Godkendelsesfrist: {p.body} – #{a.id} {a.title}", "",
                                   f"/ui/aftaler/{a.id}", "frist"))
    return sorted(found, key=lambda e: (e.day, e.starts_at is not None, e.title))


@router.get("/kalender", response_class=HTMLResponse)
@html_errors
def calendar(request: Request, ctx: auth.WebCtx) -> Response:
    return _calendar_page(request, ctx)


def _calendar_page(request: Request, ctx: ServiceContext, feed_url: str | None = None,
                   status_code: int = 200) -> Response:
    today = ctx.now().date()
    months: dict[tuple[int, int], list[Entry]] = {}
    for e in entries(ctx, today):
        months.setdefault((e.day.year, e.day.month), []).append(e)
    return page(request, ctx, "calendar.html", "Kalender", status_code=status_code,
                months=months, feed_base=f"{get_settings().base_url}/ui/kalender.ics?noegle=",
                feed_url=feed_url)


@router.post("/kalender/noegle", response_class=HTMLResponse)
@html_errors
def new_feed_key(request: Request, ctx: auth.WebCtx, form: auth.Form) -> Response:
    """The new address is shown in this answer only (no redirect carries it)."""
    _view, key = issue_feed_key(ctx)
    return _calendar_page(request, ctx, f"{get_settings().base_url}/ui/kalender.ics?noegle={key}")


@router.post("/kalender/noegle/slet")
def drop_feed_key(request: Request, ctx: auth.WebCtx, form: auth.Form) -> Response:
    revoke_feed_key(ctx)
    return back("/ui/kalender", "Kalenderadressen er tilbagekaldt; den virker ikke længere.")


@router.get("/kalender.ics")
def feed(request: Request,
         noegle: Annotated[str | None, Query(max_length=200)] = None,
         token: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    if token is not None:
        return _refused("API-tokenet hører ikke hjemme i en adresse. Lav en kalendernøgle på "
                        "siden Kalender, og brug adressen derfra.")
    if noegle is not None:
        principal = authenticate_feed(request.app.state.engine, noegle,
                                      request.app.state.clock())
        if principal is None:
            return _refused("Ugyldig eller tilbagekaldt kalendernøgle.")
        ctx: ServiceContext | None = ServiceContext(
            engine=request.app.state.engine, actor=principal.name, principal=principal,
            clock=request.app.state.clock)
    else:
        ctx = auth.session_context(request)
    if ctx is None:
        return login_redirect(request)
    return Response(ics(ctx), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="aftaleflow.ics"',
                             "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _refused(message: str) -> Response:
    return Response(message + "\n", status_code=401, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def ics(ctx: ServiceContext) -> bytes:
    now = ctx.now()
    base = get_settings().base_url
    cal = Calendar()
    cal.add("prodid", "-//aftaleflow//dashboard//DA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "aftaleflow: frister og møder")
    cal.add("x-wr-timezone", "Europe/Copenhagen")
    for e in entries(ctx, now.date() - timedelta(days=90)):
        event = Event()
        event.add("uid", e.uid)
        event.add("dtstamp", now)
        event.add("summary", e.title)
        if e.starts_at is None:
            event.add("dtstart", e.day)
            event.add("dtend", e.day + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        else:
            event.add("dtstart", e.starts_at)
            event.add("dtend", e.starts_at + MEETING_LENGTH)
        if e.place:
            event.add("location", e.place)
        event.add("url", f"{base}{e.link}")
        event.add("categories", [e.kind])
        cal.add_component(event)
    return cal.to_ical()
