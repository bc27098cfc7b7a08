"""Login, overview, approval matrix (with CSV/XLSX export), lifecycle diagram, documents."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from aftaleflow.domain.forum import replace_forum
from aftaleflow.domain.machines import AGREEMENT, APPROVAL, IMPLEMENTATION
from aftaleflow.services.access import oidc, sessions
from aftaleflow.services.agreements.cases import agreement_forum, get_agreement, is_overdue
from aftaleflow.services.documents.case_documents import read_document
from aftaleflow.services.meetings.agenda import list_meetings
from aftaleflow.services.reading import exports
from aftaleflow.services.reading.dashboard import current_user, lead_times, matrix_agreements
from aftaleflow.services.reading.matrix_page import (
    PAGE_SIZES,
    SORTS,
    MatrixQuery,
    by_case_number,
    filtered_matrix,
    matrix_page,
)
from aftaleflow.services.reading.search import SearchHit, search
from aftaleflow.services.structure import reading as structure
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import MatrixRow
from aftaleflow.web import auth, charts, diagram, tables
from aftaleflow.web.oidc import end_session_url
from aftaleflow.web.render import html_errors, page, without_secrets

router = APIRouter(prefix="/ui", include_in_schema=False)
INVALID_TOKEN = "Ugyldigt eller inaktivt API-token: det kan være udløbet eller tilbagekaldt."
Filter = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f]*$")]


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, naeste: Annotated[str | None, Query(max_length=500)] = None
               ) -> Response:
    return _login_page(request, _safe_next(naeste))


def _login_page(request: Request, naeste: str, status_code: int = 200,
                error: str | None = None) -> Response:
    nonce = auth.login_nonce(request)
    response = page(request, None, "login.html", "Log ind", status_code=status_code,
                    next=naeste, login_csrf=nonce, error=error)
    auth.set_login_cookie(response, nonce, secure=request.url.scheme == "https")
    return response


@router.post("/login")
def login(request: Request, form: auth.LoginForm) -> Response:
    token, naeste = form.get("token", "")[:200].strip(), form.get("naeste", "/ui/")
    started = sessions.log_in(ServiceContext(engine=request.app.state.engine, actor="dashboard",
                                             clock=request.app.state.clock), token)
    if started is None:
        return _login_page(request, _safe_next(naeste), 401, INVALID_TOKEN)
    response = RedirectResponse(_safe_next(naeste), status_code=303)
    auth.set_session_cookies(response, started[0], secure=request.url.scheme == "https")
    return response


@router.post("/logout")
async def logout(request: Request, ctx: auth.WebCtx, form: auth.Form) -> Response:
    """Ends the session on the server, not only in this browser, and at the identity provider
    when the user signed in there and it offers an end-session endpoint."""
    from_provider = await run_in_threadpool(oidc.signed_in_with_provider, ctx)
    await run_in_threadpool(sessions.log_out, ctx, request.cookies.get(auth.SESSION_COOKIE, ""))
    end_session = await end_session_url(request) if from_provider else None
    # A page, not a redirect: the forms' CSP (form-action 'self') forbids following a POST to
    # another site; the page moves on to the provider by itself and offers the link too.
    response: Response = page(request, None, "logged_out.html", "Logget ud",
                              end_session=end_session) if end_session else \
        RedirectResponse("/ui/login", status_code=303)
    auth.clear_session_cookies(response)
    return response


def _safe_next(target: str | None) -> str:
    """Only a local dashboard path (never another site: open redirect), without secrets."""
    if target and target.startswith("/ui/") and not target.startswith("//"):
        path, _, query = target.partition("?")
        return without_secrets(path, query)
    return "/ui/"


OVERDUE_SHOWN = 20
"""The overview lists the longest overdue; the matrix, filtered, holds them all."""
OVERDUE_LINK = "/ui/matrix?over_fristen=1&sorter=frist"


@router.get("/", response_class=HTMLResponse)
@html_errors
def overview(request: Request, ctx: auth.WebCtx) -> Response:
    agreements = matrix_agreements(ctx)
    today = ctx.now().date()
    per_state = Counter(a.state for a in agreements)
    overdue = sorted(((a, tables.late_parties(a, today)) for a in agreements
                      if is_overdue(a, today)),
                     key=lambda t: (min(p.deadline or today for p in t[1]), t[0].id))
    deadlines = sorted(
        ((p.deadline, a, p) for a in agreements if a.state == "i_godkendelse"
         for p in a.approvals if p.deadline and p.deadline >= today
         and not APPROVAL.state(p.state).final), key=lambda t: (t[0], t[1].id, t[2].body))
    meetings = []
    if ctx.principal.may("meeting.read"):
        meetings = [m for m in list_meetings(ctx) if m.starts_at >= ctx.now()][:5]
    progress = _progress_rows(agreements)
    leads = lead_times(ctx, agreements)
    return page(
        request, ctx, "overview.html", "Overblik",
        states=[(s, per_state.get(s.name, 0)) for s in AGREEMENT.states],
        total=len(agreements), overdue=overdue[:OVERDUE_SHOWN], overdue_total=len(overdue),
        overdue_link=OVERDUE_LINK, deadlines=deadlines[:8], meetings=meetings,
        progress=progress, leads=leads,
        progress_chart=charts.stacked_bars(
            "progress", "Godkendelser pr. region (aftaler i godkendelse)",
            [(region, segments) for region, segments in progress]),
        lead_chart=charts.bars(
            "leadtime", "Dage fra forummets indstilling til endelig godkendelse",
            [(f"#{lt.agreement_id} {lt.title}", lt.days, f"{lt.days} dage") for lt in leads]),
        approval_states=APPROVAL.states)


def _progress_rows(agreements: list[MatrixRow]) -> list[tuple[str, list[charts.Segment]]]:
    counts: dict[str, Counter[str]] = {}
    for a in agreements:
        if a.state == "i_godkendelse":
            counts.setdefault(a.region, Counter()).update(p.state for p in a.approvals)
    return [(region, [charts.Segment(c.get(s.name, 0), s.name, s.label.lower())
                      for s in APPROVAL.states])
            for region, c in sorted(counts.items())]


Flag = Annotated[str | None, Query(max_length=1, pattern=r"^1?$")]
Number = Annotated[int, Query(ge=1, le=100_000)]


def _matrix_query(region: str | None, klynge: str | None, tilstand: str | None,
                  over_fristen: str | None, mine: str | None, sagsbehandler: str | None,
                  kle: str | None, sorter: str | None, faldende: str | None, side: int,
                  pr_side: int) -> MatrixQuery:
    return MatrixQuery(region=region or None, cluster=klynge or None, state=tilstand or None,
                       overdue=bool(over_fristen), mine=bool(mine),
                       case_handler=sagsbehandler or None, kle=kle or None,
                       sort=sorter or "nr", descending=bool(faldende), page=side,
                       per_page=pr_side)


@router.get("/matrix", response_class=HTMLResponse)
@html_errors
def matrix(request: Request, ctx: auth.WebCtx, region: Filter = None, klynge: Filter = None,
           tilstand: Filter = None, over_fristen: Flag = None, mine: Flag = None,
           sagsbehandler: Filter = None, kle: Filter = None, sorter: Filter = None,
           faldende: Flag = None, side: Number = 1, pr_side: Number = 50) -> Response:
    query = _matrix_query(region, klynge, tilstand, over_fristen, mine, sagsbehandler, kle,
                          sorter, faldende, side, pr_side)
    result = matrix_page(ctx, query)
    filters = {k: v for k, v in request.query_params.items() if k not in ("side",) and v}
    user = current_user(ctx)
    return page(
        request, ctx, "matrix.html", "Godkendelser", result=result, q=query,
        groups=tables.by_region(result.rows, ctx.now().date(),
                                tables.acting_parties(user, result.rows)),
        regions=structure.list_regions(ctx), clusters=structure.list_clusters(ctx),
        states=AGREEMENT.states, sorts=SORTS, page_sizes=PAGE_SIZES, is_part=bool(user.body_key),
        query=urlencode(filters), page_url=lambda n: "/ui/matrix?" + urlencode(
            {**filters, "side": n}))


@router.get("/matrix.{fmt}")
@html_errors
def matrix_export(request: Request, ctx: auth.WebCtx, fmt: str, region: Filter = None,
                  klynge: Filter = None, tilstand: Filter = None, over_fristen: Flag = None,
                  mine: Flag = None, sagsbehandler: Filter = None, kle: Filter = None,
                  sorter: Filter = None, faldende: Flag = None, pr_side: Number = 50
                  ) -> Response:
    if fmt not in ("csv", "xlsx"):
        return page(request, ctx, "error.html", "Findes ikke", status_code=404,
                    message="Eksport findes som .csv og .xlsx.", status=404)
    agreements = filtered_matrix(ctx, _matrix_query(
        region, klynge, tilstand, over_fristen, mine, sagsbehandler, kle, sorter, faldende, 1,
        pr_side))
    table = exports.matrix_table(agreements)
    day = ctx.now().date().isoformat()
    if fmt == "csv":
        return Response(exports.to_csv(table), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="godkendelser-{day}.csv"'})
    return Response(exports.to_xlsx(table), media_type=tables.XLSX, headers={
        "Content-Disposition": f'attachment; filename="godkendelser-{day}.xlsx"'})


@router.get("/soeg", response_class=HTMLResponse)
@html_errors
def search_page(request: Request, ctx: auth.WebCtx,
                q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    cases = by_case_number(ctx, q) if q else []
    hits = search(ctx, q) if q and q.strip() else []
    return page(request, ctx, "search.html", "Søg", q=q or "", hits=hits, cases=cases,
                links=[_hit_link(ctx, h) for h in hits])


def _hit_link(ctx: Any, hit: SearchHit) -> str:
    """Agreements and agenda items lead to the agreement; documents to the file."""
    if hit.kind == "document" and ctx.principal.may("document.read"):
        return f"/ui/dokumenter/{hit.ref_id}"
    if hit.agreement_id is not None:
        return f"/ui/aftaler/{hit.agreement_id}"
    return "/ui/moeder" if ctx.principal.may("meeting.read") else "/ui/"


@router.get("/livscyklus", response_class=HTMLResponse)
@html_errors
def lifecycle(request: Request, ctx: auth.WebCtx,
              aftale: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    current = title = forum = None
    if aftale is not None:
        view = get_agreement(ctx, aftale)
        current, title = view.state, f"#{view.id} {view.title}"
        forum = agreement_forum(ctx, aftale)  # from 2027 the sundhedsråd, not the SSU
    machines = [(AGREEMENT, diagram.render_svg(AGREEMENT, current, forum)),
                (APPROVAL, diagram.render_svg(APPROVAL)),
                (IMPLEMENTATION, diagram.render_svg(IMPLEMENTATION))]
    return page(request, ctx, "lifecycle.html", "Livscyklus", machines=machines,
                current=current, agreement_title=title,
                relabel=lambda label: replace_forum(label, forum))


@router.get("/dokumenter/{document_id}")
@html_errors
def document(request: Request, ctx: auth.WebCtx, document_id: int) -> Response:
    record, data = read_document(ctx, document_id)
    return Response(data, media_type=record.media_type, headers={
        "ETag": f'"{record.sha256}"',
        "Content-Disposition":
            f'attachment; filename="{record.kind}-{record.id}{record.suffix}"'})
