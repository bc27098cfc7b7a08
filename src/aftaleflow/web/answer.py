"""A council's answer link: /ui/svar/<secret>, the party's decision page without an account.

The page shows the agreement, its text, the council's own draft (.docx and PDF), the deadline
and the short timeline, and records the decision in one click (two with a meeting date).
A forged, expired or revoked link gets a Danish page saying which and whom to contact; wrong
secrets are slowed down per client address and logged without the secret. Nothing here
redirects: a redirect would carry the secret in its Location.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import DomainError
from aftaleflow.services.access import answer_links as links
from aftaleflow.services.agreements.approvals import Decision
from aftaleflow.services.uow import ServiceContext
from aftaleflow.web import auth
from aftaleflow.web.agreements import event_label, parse_date, state_label
from aftaleflow.web.render import page

router = APIRouter(include_in_schema=False)
log = logging.getLogger("aftaleflow.svarlink")
Secret = Annotated[str, Path(max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
NO_REFERRER = {"Referrer-Policy": "no-referrer"}
STATUS = {"falsk": 404, "udloebet": 410, "tilbagekaldt": 410, "brugt": 409}
TITLES = {"falsk": "Ugyldigt link", "udloebet": "Linket er udløbet",
          "tilbagekaldt": "Linket er tilbagekaldt", "brugt": "Linket er brugt"}
LINK_DECISIONS = ("godkendt", "dagsorden", "udsat", "genoptaget", "afvist")


class Throttle:
    """At most `limit` wrong secrets per client address in `window` seconds; then 429."""

    def __init__(self, limit: int = 5, window: float = 600.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        with self._lock:
            times = self._failures[address]
            while times and times[0] < time.monotonic() - self.window:
                times.popleft()
            if not times:
                del self._failures[address]  # forget addresses that stopped guessing
                return False
            return len(times) >= self.limit

    def fail(self, address: str) -> None:
        with self._lock:
            self._failures[address].append(time.monotonic())


throttle = Throttle()


def _ctx(request: Request) -> ServiceContext:
    """No account: the services act for the link's own party, named by its address."""
    return ServiceContext(engine=request.app.state.engine, actor="svarlink",
                          clock=request.app.state.clock,
                          principal=Principal(name="svarlink", role=Role.PARTY))


def _address(request: Request) -> str:
    return request.client.host if request.client else "ukendt"


def _show(request: Request, found: links.LinkCase, status: int = 200,
          message: str | None = None) -> HTMLResponse:
    case = found.case
    events = [(e, event_label(e), state_label(e, e.from_state), state_label(e, e.to_state))
              for e in case.events][-8:]
    response = page(request, None, "answer.html",
                    f"{case.approval.body}: svar på samarbejdsaftale #{case.agreement.id}",
                    status_code=status, found=found, a=case.agreement, p=case.approval,
                    events=events, message=message, path=request.url.path,
                    message_kind="fejl" if status >= 400 else "ok")
    response.headers.update(NO_REFERRER)
    return response


def _refused(request: Request, exc: links.LinkRefused) -> HTMLResponse:
    if exc.kind == "falsk":
        throttle.fail(_address(request))
    log.warning("Svarlink afvist (%s) fra %s", exc.kind, _address(request))
    response = page(request, None, "error.html", TITLES.get(exc.kind, "Linket virker ikke"),
                    status_code=STATUS.get(exc.kind, 400), message=exc.message,
                    status=STATUS.get(exc.kind, 400))
    response.headers.update(NO_REFERRER)
    return response


def _too_many(request: Request) -> HTMLResponse:
    log.warning("Svarlink: for mange forkerte forsøg fra %s", _address(request))
    response = page(request, None, "error.html", "For mange forsøg", status_code=429,
                    message="For mange forkerte link-forsøg fra jeres adresse. Vent 10 "
                            "minutter, og brug linket præcis som det står i mailen. "
                    + links.CONTACT, status=429)
    response.headers.update({**NO_REFERRER, "Retry-After": "600"})
    return response


@router.get("/ui/svar/{secret}", response_class=HTMLResponse)
def answer_page(request: Request, secret: Secret) -> Response:
    if throttle.blocked(_address(request)):
        return _too_many(request)
    try:
        return _show(request, links.open_link(_ctx(request), secret))
    except links.LinkRefused as exc:
        return _refused(request, exc)


@router.post("/ui/svar/{secret}", response_class=HTMLResponse)
async def answer(request: Request, secret: Secret) -> Response:
    if throttle.blocked(_address(request)):
        return _too_many(request)
    ctx = _ctx(request)
    try:
        form = await auth.read_form(request)
        decision = auth.text(form, "decision", 40)
        comment = auth.text(form, "comment", 5000).strip() or None
        if decision not in LINK_DECISIONS:
            raise links.LinkRefused("valg", "Vælg en af beslutningerne på siden.")
        if decision == "afvist" and not comment:
            raise links.LinkRefused("valg", "En afvisning kan ikke gøres om: skriv "
                                            "begrundelsen.")
        found = links.answer_by_link(ctx, secret, Decision(
            party="", decision=decision,
            meeting_date=parse_date(auth.text(form, "meeting_date", 20)),
            protocol_ref=auth.text(form, "protocol_ref") or None, comment=comment))
    except links.LinkRefused as exc:
        if exc.kind in STATUS:
            return _refused(request, exc)
        return _show(request, links.open_link(ctx, secret), 422, exc.message)
    except DomainError as exc:
        try:
            return _show(request, links.open_link(ctx, secret), 409, exc.message)
        except links.LinkRefused as refused:
            return _refused(request, refused)
    return _show(request, found, message=f"Registreret: {found.case.approval.body} er nu "
                                         f"«{found.case.approval.state_label}».")


@router.get("/ui/svar/{secret}/udkast{suffix}")
def draft(request: Request, secret: Secret,
          suffix: Annotated[str, Path(pattern=r"^\.(docx|pdf)$")]) -> Response:
    if throttle.blocked(_address(request)):
        return _too_many(request)
    try:
        name, data = links.link_draft(_ctx(request), secret, suffix)
    except links.LinkRefused as exc:
        return _refused(request, exc)
    except DomainError as exc:
        return page(request, None, "error.html", "Ikke fundet", status_code=404,
                    message=exc.message, status=404)
    media = ("application/pdf" if suffix == ".pdf" else
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"', **NO_REFERRER,
        "Cache-Control": "no-store"})
