"""One party's decision in an agreement's current round: what the council's secretary needs.

The page a request mail links to: the party's own approval, the agreement's own steps and
this party's, and the agreement's common documents and this party's letters. The agreement
itself is read as everywhere else (`part_view`): every party's decision, no other party's
comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from aftaleflow.domain.access import Role
from aftaleflow.domain.errors import NotFound, PermissionDenied
from aftaleflow.services.agreements.cases import get_agreement, history
from aftaleflow.services.documents.case_documents import DocumentRecord, list_documents
from aftaleflow.services.reading.dashboard import current_user
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView, ApprovalView, AuditView


@dataclass(frozen=True)
class PartyCase:
    agreement: AgreementView
    approval: ApprovalView
    events: list[AuditView]  # the agreement's own steps and this party's
    documents: list[DocumentRecord]  # the agreement's common documents and this party's letters


def party_case(ctx: ServiceContext, agreement_id: int, body_key: str) -> PartyCase:
    """The agreement as one party sees it; a `part` may open its own body's page only."""
    user = current_user(ctx)
    if ctx.principal.role == Role.PARTY and body_key != user.body_key:
        raise PermissionDenied("Du kan kun se og registrere jeres eget organs beslutning.")
    view = get_agreement(ctx, agreement_id)
    approval = next((p for p in view.approvals if p.body_key == body_key), None)
    if approval is None:
        raise NotFound(f"'{body_key[:60]}' er ikke part i den aktuelle godkendelsesrunde for "
                       f"samarbejdsaftale {agreement_id}.")
    events = [e for e in history(ctx, agreement_id) if e.entity == "agreement"
              or (e.entity == "approval" and e.entity_id == approval.id)]
    documents = []
    if ctx.principal.may("document.read"):
        documents = [d for d in list_documents(ctx, agreement_id=agreement_id)
                     if d.recipient in (None, approval.body)]
    return PartyCase(agreement=view, approval=approval, events=events, documents=documents)
