"""Agreements: list, create, show, history, transitions, decisions, implementation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, TypeAdapter

from aftaleflow.api.deps import Ctx, Version, etag, json_answer
from aftaleflow.api.problems import responses
from aftaleflow.api.schemas import (
    Action,
    AgreementIn,
    DecisionIn,
    ImplementationIn,
    Page,
    TransitionIn,
)
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.services.access import answer_links
from aftaleflow.services.agreements import cases as service
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.views import AgreementView, AuditView
from aftaleflow.serving.lanes import in_quick_lane

router = APIRouter(prefix="/agreements", tags=["Samarbejdsaftaler"],
                   responses=responses(401, 403, 404, 422, 503))
Party = Annotated[str, Path(max_length=200, description="Kommunekode, navn eller organets nøgle.")]
ClusterKey = Annotated[str, Path(max_length=200, description="Klyngens nøgle eller navn.")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="Aftalens nummer.")]
AGREEMENT_VIEW = TypeAdapter(AgreementView)


@router.get("", response_model=Page[AgreementView], summary="Søg i samarbejdsaftaler")
def list_agreements(
    ctx: Ctx,
    region: Annotated[str | None, Query(max_length=60, examples=["midtjylland"])] = None,
    cluster: Annotated[str | None, Query(max_length=120)] = None,
    kind: Annotated[str | None, Query(max_length=60)] = None,
    state: Annotated[str | None, Query(max_length=60, examples=["i_godkendelse"])] = None,
    overdue: bool | None = None,
    text: Annotated[str | None, Query(max_length=200, examples=["udskrivelse"])] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Page[AgreementView]:
    """Filtrér på region, klynge, type, tilstand, overskredne frister og tekst.
    Eksempel: `GET /agreements?region=midtjylland&state=i_godkendelse`."""
    items = service.list_agreements(ctx, region=region, state=state, kind=kind,
                                    cluster=cluster, overdue=overdue, text=text)
    return Page(items=items[offset:offset + limit], total=len(items), limit=limit,
                offset=offset)


@router.post("", status_code=201, response_model=AgreementView,
             summary="Opret en samarbejdsaftale")
def create_agreement(ctx: Ctx, body: AgreementIn, response: Response) -> AgreementView:
    """Eksempel: en prøvehandling i Gødstrupklyngen, region midtjylland."""
    view = service.create_agreement(ctx, service.NewAgreement(**body.model_dump()))
    response.headers["ETag"] = etag(view.version)
    return view


@router.get("/{agreement_id}", response_model=AgreementView, summary="Vis en samarbejdsaftale")
def get_agreement(ctx: Ctx, agreement_id: Id, response: Response) -> AgreementView:
    """Med parter, klynger og mulige handlinger. Versionen står i ETag."""
    view = service.get_agreement(ctx, agreement_id)
    response.headers["ETag"] = etag(view.version)
    return view


@router.get("/{agreement_id}/history", response_model=list[AuditView],
            summary="Aftalens revisionsspor")
def get_history(ctx: Ctx, agreement_id: Id) -> list[AuditView]:
    return service.history(ctx, agreement_id)


@router.get("/{agreement_id}/actions", response_model=list[Action],
            summary="Handlinger, den aktuelle bruger kan udføre nu")
def get_actions(ctx: Ctx, agreement_id: Id,
                unavailable: Annotated[bool, Query(
                    description="Tag også handlinger med, hvis betingelse ikke er opfyldt nu, "
                                "med begrundelsen (fx ?unavailable=true)")] = False
                ) -> list[Action]:
    """Kun handlinger, hvis betingelser holder nu; med `unavailable=true` også de øvrige
    med begrundelsen på dansk."""
    view = service.get_agreement(ctx, agreement_id)
    role = ctx.principal.role
    return [Action(trigger=a.trigger, label=a.label, available=a.available, reason=a.reason)
            for a in view.actions if role in AGREEMENT.roles_for(a.trigger)
            and (a.available or unavailable)]


@router.post("/{agreement_id}/transitions", response_model=AgreementView,
             summary="Før aftalen videre", responses=responses(409, 428))
def transition(ctx: Ctx, agreement_id: Id, body: TransitionIn, version: Version,
               response: Response) -> AgreementView:
    """Kræver `If-Match` med aftalens version. En forkert handling giver 409 med de
    tilladte handlinger; en forældet version giver 409 med den aktuelle tilstand."""
    view = service.advance_agreement(ctx, agreement_id, body.trigger, comment=body.comment,
                                     deadline=body.approval_deadline,
                                     expected_version=version)
    response.headers["ETag"] = etag(view.version)
    return view


@router.post("/{agreement_id}/approvals/{party}", response_model=AgreementView,
             summary="Registrér en parts beslutning", responses=responses(409))
async def decide(ctx: Ctx, agreement_id: Id, party: Party, body: DecisionIn) -> Response:
    """`party` er kommunekode, kommunenavn, `regionsraadet` eller organets nøgle (fx kb-657).
    En part kan kun registrere sit eget organs beslutning."""
    decision = Decision(party=party, **body.model_dump())

    def answer() -> Response:
        view = record_decision(ctx, agreement_id, decision)
        return json_answer(AGREEMENT_VIEW, view, ETag=etag(view.version))

    return await in_quick_lane(answer)


@router.post("/{agreement_id}/implementations/{cluster}", response_model=AgreementView,
             summary="Registrér en klynges implementering", responses=responses(409))
def implement(ctx: Ctx, agreement_id: Id, cluster: ClusterKey,
              body: ImplementationIn, response: Response) -> AgreementView:
    view = record_implementation(ctx, agreement_id, cluster, body.status, on=body.on,
                                 comment=body.comment)
    response.headers["ETag"] = etag(view.version)
    return view


class AnswerLinkOut(BaseModel):
    revoked: int = 0
    outbox_key: str | None = None


@router.post("/{agreement_id}/parties/{party}/answer-link/revoke", response_model=AnswerLinkOut,
             summary="Tilbagekald partens svarlinks", responses=responses(404))
def revoke_answer_links(ctx: Ctx, agreement_id: Id, party: Party) -> AnswerLinkOut:
    """Partens åbne svarlinks i den aktuelle runde virker ikke fra næste forespørgsel."""
    return AnswerLinkOut(revoked=answer_links.revoke_links(ctx, agreement_id, party))


@router.post("/{agreement_id}/parties/{party}/answer-link/resend", response_model=AnswerLinkOut,
             summary="Send partens anmodning igen med et nyt svarlink", responses=responses(404))
def resend_answer_link(ctx: Ctx, agreement_id: Id, party: Party) -> AnswerLinkOut:
    """Tilbagekalder de gamle links og lægger en ny anmodning i udbakken."""
    return AnswerLinkOut(outbox_key=answer_links.resend_link(ctx, agreement_id, party))
