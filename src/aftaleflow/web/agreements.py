"""The agreement page and its actions, each behind a confirmation step."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from aftaleflow.domain.errors import DomainError, NotFound, ValidationFailed
from aftaleflow.domain.forum import replace_forum
from aftaleflow.domain.machines import (
    AGREEMENT,
    APPROVAL,
    DECISIONS,
    IMPLEMENTATION,
    MACHINES,
    starts_round,
)
from aftaleflow.domain.publication import PUBLICATION_LABELS
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement, history
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.agreements.publication import get_publication
from aftaleflow.services.documents.case_documents import list_documents
from aftaleflow.services.reading.dashboard import current_user
from aftaleflow.services.views import AgreementView, AuditView
from aftaleflow.web import auth
from aftaleflow.web.actions import (
    NEEDS_MEETING_DATE,
    Action,
    agreement_actions,
    decision_actions,
    implementation_actions,
)
from aftaleflow.web.render import back, html_errors, page
from aftaleflow.web.tables import late_parties

router = APIRouter(prefix="/ui/aftaler", include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Key = Annotated[str, Path(max_length=100, pattern=r"^[^\x00-\x1f/]+$")]

EVENT_LABELS = {"opret": "Oprettet", "tilfoej_punkt": "Sat på en dagsorden",
                "beslutning": "Beslutning på dagsordenpunkt", "dan_dokument": "Dokument dannet",
                "flyt_punkt": "Dagsordenpunkt flyttet", "luk_punkt": "Punkt markeret lukket",
                "aabn_punkt": "Punkt markeret åbent",
                "overfoer_region": "Overført til efterfølgende region",
                "overfoer_omraade": "Overført til efterfølgende område",
                "overfoer_godkendelse": "Godkendelse overført til efterfølgeren",
                "overfoer_implementering": "Implementering videreført i nyt område",
                "offentliggoerelse": "Offentlighed ændret",
                "aktindsigt": "Aktindsigt udleveret"}


def event_label(event: AuditView) -> str:
    spec = MACHINES.get(event.entity)
    if spec is not None and event.trigger in spec.triggers:
        return replace_forum(spec.trigger_label(event.trigger), event.forum)
    return EVENT_LABELS.get(event.trigger, event.trigger)


def state_label(event: AuditView, state: str | None) -> str:
    spec = MACHINES.get(event.entity)
    if spec is None or state is None:
        return state or ""
    try:
        return replace_forum(spec.label_of(state), event.forum)
    except KeyError:
        return state


@router.get("/{agreement_id}", response_class=HTMLResponse)
@html_errors
def agreement(request: Request, ctx: auth.WebCtx, agreement_id: Id) -> Response:
    view = get_agreement(ctx, agreement_id)
    user = current_user(ctx)
    documents = (list_documents(ctx, agreement_id=agreement_id)
                 if ctx.principal.may("document.read") else [])
    events = [(e, event_label(e), state_label(e, e.from_state), state_label(e, e.to_state))
              for e in history(ctx, agreement_id)]
    return page(
        request, ctx, "agreement.html", f"Samarbejdsaftale #{view.id}", a=view,
        actions=agreement_actions(user, view), events=events, documents=documents,
        decisions={p.body_key: decision_actions(user, view, p) for p in view.approvals},
        impl_actions={i.cluster_key: implementation_actions(user, view, i)
                      for i in view.implementations},
        may_documents=ctx.principal.may("document.read"),
        publication=get_publication(ctx, agreement_id)
        if ctx.principal.may("agreement.advance") else None,
        publication_choices=list(PUBLICATION_LABELS.items()),
        late={p.body_key for p in late_parties(view, ctx.now().date())},
        rules=list(dict.fromkeys(p.deadline_rule for p in view.approvals
                                 if p.deadline and not p.decided_on and p.deadline_rule)))


def _find(actions: list[Action], key: str) -> Action:
    action = next((a for a in actions if a.key == key and a.reason is None), None)
    if action is None:
        raise NotFound("Handlingen kan ikke vælges her (tilstanden er ændret, eller din rolle "
                       "må ikke udføre den).")
    return action


def _confirm(request: Request, ctx: Any, view: AgreementView, action: Action, what: str,
             fields: list[str], version: int) -> Response:
    return page(request, ctx, "confirm.html", f"Bekræft: {action.label}", a=view,
                action=action, what=what, fields=fields, version=version,
                cancel=f"/ui/aftaler/{view.id}", target=request.url.path)


@router.get("/{agreement_id}/handling/{trigger}", response_class=HTMLResponse)
@html_errors
def confirm_advance(request: Request, ctx: auth.WebCtx, agreement_id: Id, trigger: Key
                    ) -> Response:
    view = get_agreement(ctx, agreement_id)
    action = _find(agreement_actions(current_user(ctx), view), trigger)
    dest = next(t.dest for t in AGREEMENT.transitions_from(view.state) if t.trigger == trigger)
    what = (f"Aftalen går fra «{view.state_label}» til "
            f"«{replace_forum(AGREEMENT.label_of(dest), view.forum)}».")
    fields = ["comment", *(["approval_deadline"] if starts_round(trigger) else [])]
    return _confirm(request, ctx, view, action, what, fields, view.version)


@router.post("/{agreement_id}/handling/{trigger}")
def advance(request: Request, ctx: auth.WebCtx, form: auth.Form, agreement_id: Id,
            trigger: Key) -> Response:
    url = f"/ui/aftaler/{agreement_id}"
    try:
        deadline = parse_date(auth.text(form, "approval_deadline", 20))
        view = advance_agreement(ctx, agreement_id, trigger, comment=_comment(form),
                                 deadline=deadline,
                                 expected_version=auth.number(form, "version"))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    return back(url, f"{replace_forum(AGREEMENT.trigger_label(trigger), view.forum)}: udført. "
                     f"Aftalen er nu "
                     f"«{view.state_label}».")


def _comment(form: dict[str, str]) -> str | None:
    """The comment (the service refuses an action that cannot be undone without one)."""
    return auth.text(form, "comment", 5000).strip() or None


@router.get("/{agreement_id}/parter/{party}/{decision}", response_class=HTMLResponse)
@html_errors
def confirm_decision(request: Request, ctx: auth.WebCtx, agreement_id: Id, party: Key,
                     decision: Key) -> Response:
    view = get_agreement(ctx, agreement_id)
    approval = next((p for p in view.approvals if p.body_key == party), None)
    if approval is None:
        raise NotFound(f"'{party[:60]}' er ikke part i den aktuelle godkendelsesrunde.")
    action = _find(decision_actions(current_user(ctx), view, approval), decision)
    fields = ["meeting_date", "protocol_ref", "comment"]
    what = (f"{approval.body}: «{approval.state_label}» bliver «"
            f"{APPROVAL.label_of(_dest(approval.state, decision))}».")
    return _confirm(request, ctx, view, action, what, fields, approval.version)


def _dest(state: str, decision: str) -> str:
    trigger = DECISIONS[decision]
    return next(t.dest for t in APPROVAL.transitions_from(state) if t.trigger == trigger)


@router.post("/{agreement_id}/parter/{party}/{decision}")
def decide(request: Request, ctx: auth.WebCtx, form: auth.Form, agreement_id: Id, party: Key,
           decision: Key) -> Response:
    url = f"/ui/aftaler/{agreement_id}"
    try:
        day = parse_date(auth.text(form, "meeting_date", 20))
        if decision in NEEDS_MEETING_DATE and day is None:
            raise ValidationFailed("Angiv mødedatoen.")
        view = record_decision(ctx, agreement_id, Decision(
            party=party, decision=decision, meeting_date=day,
            protocol_ref=auth.text(form, "protocol_ref") or None,
            comment=_comment(form)),
            expected_version=auth.number(form, "version"))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    approval = next((p for p in view.approvals if p.body_key == party), None)
    return back(url, f"Registreret: {approval.body if approval else party} er nu "
                     f"«{approval.state_label if approval else decision}». Aftalen er "
                     f"«{view.state_label}».")


@router.get("/{agreement_id}/klynger/{cluster}/{step}", response_class=HTMLResponse)
@html_errors
def confirm_implementation(request: Request, ctx: auth.WebCtx, agreement_id: Id, cluster: Key,
                           step: Key) -> Response:
    view = get_agreement(ctx, agreement_id)
    impl = next((i for i in view.implementations if i.cluster_key == cluster), None)
    if impl is None:
        raise NotFound(f"Klyngen '{cluster[:60]}' implementerer ikke denne aftale.")
    action = _find(implementation_actions(current_user(ctx), view, impl), step)
    what = f"{impl.cluster}: «{impl.state_label}» → «{IMPLEMENTATION.label_of(step)}»."
    return _confirm(request, ctx, view, action, what, ["comment"], view.version)


@router.post("/{agreement_id}/klynger/{cluster}/{step}")
def implement(request: Request, ctx: auth.WebCtx, form: auth.Form, agreement_id: Id,
              cluster: Key, step: Key) -> Response:
    url = f"/ui/aftaler/{agreement_id}"
    try:
        view = record_implementation(ctx, agreement_id, cluster, step,
                                     comment=auth.text(form, "comment", 5000) or None,
                                     expected_version=auth.number(form, "version"))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    return back(url, f"Registreret for klyngen. Aftalen er «{view.state_label}».")


def parse_date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("Mødedatoen skal være en dato (ÅÅÅÅ-MM-DD).") from None
