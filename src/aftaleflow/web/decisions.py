"""A party's decision page: where the link in every request letter, rykker and mail lands.

GET shows the agreement, its text version, the timeline so far, the party's deadline with its
rule, the documents and the form; POST records the decision through `record_decision`.
Rejecting (irreversible) sits in a form of its own and needs a reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from aftaleflow.domain.errors import DomainError, ValidationFailed
from aftaleflow.services.access import answer_links
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.party_case import party_case
from aftaleflow.services.mail.links import decision_path
from aftaleflow.services.reading.dashboard import current_user
from aftaleflow.web import auth
from aftaleflow.web.actions import NEEDS_MEETING_DATE, decision_actions
from aftaleflow.web.agreements import Id, Key, event_label, parse_date, state_label
from aftaleflow.web.render import back, html_errors, page

router = APIRouter(include_in_schema=False)


@router.get("/ui/aftaler/{agreement_id}/parter/{party}", response_class=HTMLResponse)
@html_errors
def party_page(request: Request, ctx: auth.WebCtx, agreement_id: Id, party: Key) -> Response:
    case = party_case(ctx, agreement_id, party)
    actions = decision_actions(current_user(ctx), case.agreement, case.approval)
    events = [(e, event_label(e), state_label(e, e.from_state), state_label(e, e.to_state))
              for e in case.events]
    return page(request, ctx, "party.html", f"{case.approval.body}: beslutning om "
                f"samarbejdsaftale #{agreement_id}", case=case, a=case.agreement,
                p=case.approval, events=events, today=ctx.now().date(),
                everyday=[act for act in actions if not act.irreversible],
                may_manage_links=ctx.principal.may("agreement.advance")
                and case.agreement.state == "i_godkendelse",
                irreversible=[act for act in actions if act.irreversible])


@router.post("/ui/aftaler/{agreement_id}/parter/{party}")
def record(request: Request, ctx: auth.WebCtx, form: auth.Form, agreement_id: Id,
           party: Key) -> Response:
    url = decision_path(agreement_id, party)
    decision = auth.text(form, "decision", 40)
    try:
        case = party_case(ctx, agreement_id, party)
        allowed = decision_actions(current_user(ctx), case.agreement, case.approval)
        action = next((act for act in allowed if act.key == decision), None)
        if action is None:
            raise ValidationFailed("Vælg en af de beslutninger, der kan registreres nu.")
        comment = auth.text(form, "comment", 5000).strip()
        day = parse_date(auth.text(form, "meeting_date", 20))
        if decision in NEEDS_MEETING_DATE and day is None:
            raise ValidationFailed("Angiv mødedatoen.")
        view = record_decision(ctx, agreement_id, Decision(
            party=party, decision=decision, meeting_date=day,
            protocol_ref=auth.text(form, "protocol_ref") or None, comment=comment or None),
            expected_version=auth.number(form, "version"))
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    mine = next(p for p in view.approvals if p.body_key == party)
    return back(url, f"Registreret: {mine.body} er nu «{mine.state_label}». Aftalen er "
                     f"«{view.state_label}» ({view.progress}).")


@router.post("/ui/aftaler/{agreement_id}/parter/{party}/svarlink/{action}")
def answer_link(request: Request, ctx: auth.WebCtx, form: auth.Form, agreement_id: Id,
                party: Key, action: Annotated[str, Path(pattern=r"^(tilbagekald|gensend)$")]
                ) -> Response:
    """A case handler revokes the party's answer links, or sends a new request with a new one."""
    url = decision_path(agreement_id, party)
    try:
        if action == "tilbagekald":
            count = answer_links.revoke_links(ctx, agreement_id, party)
            return back(url, f"{count} svarlink(s) tilbagekaldt; de virker ikke længere.")
        answer_links.resend_link(ctx, agreement_id, party)
    except DomainError as exc:
        return back(url, exc.message, "fejl")
    return back(url, "De gamle svarlinks er tilbagekaldt, og en ny anmodning med nyt link er "
                     "lagt i udbakken.")


@router.get("/agreements/{agreement_id}/approvals/{party}")
def old_mail_link(agreement_id: Annotated[int, Path(ge=1, le=2**31 - 1)], party: Key
                  ) -> Response:
    """Links in mails sent before the decision page existed pointed at the API."""
    return RedirectResponse(decision_path(agreement_id, party), status_code=307)
