"""Recording a cluster's implementation of an approved agreement."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, or_, select

from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.machines import IMPLEMENTATION, IMPLEMENTATION_STEPS
from aftaleflow.domain.model import Cluster, Implementation
from aftaleflow.domain.succession import refuse_in_ended_implementation
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements import lifecycle
from aftaleflow.services.agreements.cases import load_agreement
from aftaleflow.services.agreements.read_model import view_of
from aftaleflow.services.structure.implementation_carryover import continued_in
from aftaleflow.services.structure.succession import require_area_active
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView


def record_implementation(ctx: ServiceContext, agreement_id: int, cluster: str, step: str, *,
                          on: date | None = None, comment: str | None = None,
                          expected_version: int | None = None) -> AgreementView:
    trigger = IMPLEMENTATION_STEPS.get(step)
    if trigger is None:
        raise ValidationFailed(
            f"Ukendt status '{step[:40]}'. Mulige: {', '.join(IMPLEMENTATION_STEPS)}."
        )
    ctx.authorize("implementation.record")
    note = clean_text(comment, "kommentar", max_len=5000) if comment else None
    with UnitOfWork(ctx) as uow:
        agreement = load_agreement(uow.session, agreement_id, expected_version, lock=True)
        row = uow.session.exec(
            select(Implementation).join(Cluster, col(Cluster.id) == Implementation.cluster_id)
            .where(Implementation.agreement_id == agreement.id,
                   or_(Cluster.key == cluster.lower(), col(Cluster.name).ilike(cluster)))
        ).first()
        if row is None:
            raise NotFound(
                f"Klyngen '{cluster[:60]}' har ingen implementering af samarbejdsaftale "
                f"{agreement_id} (aftalen skal være godkendt, og klyngen skal høre til den)."
            )
        facts = {"agreement_approved": agreement.state in ("godkendt", "under_implementering")}
        day = on or uow.now.date()
        area = uow.session.get(Cluster, row.cluster_id)
        assert area is not None
        if row.ended_on is not None:  # the carry-over has continued it elsewhere
            refuse_in_ended_implementation(area.name, row.ended_on,
                                           continued_in(uow.session, row))
        require_area_active(uow.session, area, day)
        source = row.state
        row.state = IMPLEMENTATION.next_state(source, trigger, facts)
        if trigger == "start":
            row.started_on = day
        else:
            row.completed_on = day
        row.comment = note or row.comment
        row.updated_at = uow.now
        uow.session.add(row)
        uow.record(entity="implementation", entity_id=row.id, agreement_id=agreement.id,
                   trigger=trigger, from_state=source, to_state=row.state,
                   comment=area.name + (f": {note}" if note else ""))
        if agreement.state == "godkendt":
            lifecycle.fire_agreement(uow, agreement, "start_implementering", automatic=True,
                                     comment="Første klynge er gået i gang")
        else:
            lifecycle.settle(uow, agreement)
        uow.commit()
        return view_of(uow.reader, agreement, detail=True, principal=uow.ctx.principal,
                     today=uow.now.date())
