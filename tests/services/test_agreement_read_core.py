"""One agreement read on SQLAlchemy Core (`lookup.get_agreement`, what `agreement show`, the API
and the dashboard call) is the view a unit of work builds from the ORM's instance with the
same read model, for every reader; and the read path imports no ORM."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
from sqlmodel import select

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import NotFound
from aftaleflow.domain.model import Body
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement, load_visible
from aftaleflow.services.agreements.lookup import get_agreement
from aftaleflow.services.agreements.read_model import view_of
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView
from tests.factories import agreement_in_state, new_agreement

STATES = ("under_udarbejdelse", "til_behandling_i_ssu", "i_godkendelse", "genforhandling",
          "godkendt", "under_implementering", "tilbagetrukket", "proevehandling")


def through_the_orm(ctx: ServiceContext, agreement_id: int) -> AgreementView:
    with UnitOfWork(ctx, read_only=True) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        return view_of(uow.reader, agreement, detail=True, principal=ctx.principal,
                       today=uow.now.date())


@pytest.mark.parametrize("state", STATES)
def test_the_core_read_is_the_view_the_orm_instance_gives(ctx: ServiceContext,
                                                          state: str) -> None:
    view = agreement_in_state(ctx, state)
    read = get_agreement(ctx, view.id)
    assert read.state == state
    assert read == through_the_orm(ctx, view.id)


def test_a_part_reads_its_own_comment_not_anothers_and_not_an_agreement_it_has_no_part_in(
        ctx: ServiceContext) -> None:
    view = new_agreement(ctx)
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        view = advance_agreement(ctx, view.id, trigger)
    record_decision(ctx, view.id, Decision(party="Vejle", decision="godkendt",
                                           comment="Vejles egen note"))
    record_decision(ctx, view.id, Decision(party="Kolding", decision="godkendt",
                                           comment="Koldings note"))
    with UnitOfWork(ctx, read_only=True) as uow:
        bodies = {b.name: b.id for b in uow.session.exec(select(Body))}
    vejle = replace(ctx, principal=Principal(
        name="Vejle", role=Role.PARTY, body_id=bodies["Kommunalbestyrelsen, Vejle Kommune"]))
    read = get_agreement(vejle, view.id)
    comments = {a.body: a.comment for a in read.approvals}
    assert comments["Kommunalbestyrelsen, Vejle Kommune"] == "Vejles egen note"
    assert comments["Kommunalbestyrelsen, Kolding Kommune"] is None
    assert read == through_the_orm(vejle, view.id)
    herning = replace(ctx, principal=Principal(
        name="Herning", role=Role.PARTY,
        body_id=bodies["Kommunalbestyrelsen, Herning Kommune"]))
    with pytest.raises(NotFound, match=f"Samarbejdsaftale {view.id} findes ikke"):
        get_agreement(herning, view.id)


def test_the_read_path_imports_neither_sqlmodel_nor_the_orm_nor_the_models() -> None:
    done = subprocess.run([sys.executable, "-c", (
        "import sys, aftaleflow.services.agreements.lookup, aftaleflow.cli.output;"
        "print(sorted(m for m in ('sqlmodel', 'sqlalchemy.orm', 'aftaleflow.domain.model',"
        " 'aftaleflow.services.uow') if m in sys.modules))")],
        capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
