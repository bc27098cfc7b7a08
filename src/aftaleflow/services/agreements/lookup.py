"""One agreement as its reader may read it: the read every adapter shows (`aftaleflow agreement
show`, `GET /agreements/{id}`, the dashboard's agreement page).

One read-only transaction on SQLAlchemy Core: the agreement's row and the read model built
from it (`read_model.view_of`), without SQLModel's classes or the ORM, so the command starts
in about half the time it took with them.
"""

from __future__ import annotations

from aftaleflow.domain.errors import NotFound
from aftaleflow.services.agreements.part_view import concerns
from aftaleflow.services.agreements.read_model import view_of
from aftaleflow.services.agreements.rows import agreement_row
from aftaleflow.services.context import ServiceContext, read_only
from aftaleflow.services.views import AgreementView


def get_agreement(ctx: ServiceContext, agreement_id: int) -> AgreementView:
    ctx.authorize("agreement.read")
    today = ctx.now().date()
    with read_only(ctx) as db:
        agreement = agreement_row(db, agreement_id)
        if not concerns(db, ctx.principal, agreement):
            raise NotFound(f"Samarbejdsaftale {agreement_id} findes ikke.")
        return view_of(db, agreement, detail=True, principal=ctx.principal, today=today)
