"""The case handler's choice of when an agreement becomes public (`domain.publication`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.model import Agreement
from aftaleflow.domain.publication import (
    PUBLICATION_LABELS,
    Publication,
    is_public,
    publication_text,
)
from aftaleflow.services.agreements.cases import load_visible
from aftaleflow.services.uow import ServiceContext, UnitOfWork


@dataclass(frozen=True)
class PublicationView:
    agreement_id: int
    publication: str
    public_from: date | None
    label: str
    public_now: bool
    """Shown on /offentlig/ today."""


def _view(a: Agreement, today: date) -> PublicationView:
    assert a.id is not None
    return PublicationView(a.id, a.publication, a.public_from,
                           publication_text(a.publication, a.public_from),
                           is_public(a.publication, a.public_from, a.round_no, today))


def get_publication(ctx: ServiceContext, agreement_id: int) -> PublicationView:
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        return _view(load_visible(uow.session, ctx.principal, agreement_id), uow.now.date())


def set_publication(ctx: ServiceContext, agreement_id: int, publication: str,
                    public_from: date | None = None) -> PublicationView:
    """Decide when the agreement is shown on the public pages; one audit event."""
    ctx.authorize("agreement.advance")
    if publication not in PUBLICATION_LABELS:
        raise ValidationFailed(f"Ukendt valg '{publication}'. Gyldige: "
                               f"{', '.join(PUBLICATION_LABELS)}.")
    if publication == Publication.FROM_DATE and public_from is None:
        raise ValidationFailed("Angiv datoen, aftalen bliver offentlig fra (ÅÅÅÅ-MM-DD).")
    if publication != Publication.FROM_DATE:
        public_from = None
    with UnitOfWork(ctx) as uow:
        a = load_visible(uow.session, ctx.principal, agreement_id, lock=True)
        if (a.publication, a.public_from) == (publication, public_from):
            raise ValidationFailed(f"Ingen ændring: aftalen er allerede "
                                   f"«{publication_text(publication, public_from)}».")
        before = publication_text(a.publication, a.public_from)
        a.publication, a.public_from, a.updated_at = publication, public_from, uow.now
        uow.session.add(a)
        uow.record(entity="agreement", entity_id=a.id, agreement_id=a.id,
                   trigger="offentliggoerelse", from_state=a.state, to_state=a.state,
                   comment=f"{before} → {publication_text(publication, public_from)}")
        uow.commit()
        return _view(a, uow.now.date())
