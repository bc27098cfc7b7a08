"""The agreement load of every transition (one plain row made into session instances) gives
exactly what an ORM query gives, on either backend."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect
from sqlmodel import Session

from aftaleflow.domain.errors import NotFound
from aftaleflow.domain.model import Agreement, Region
from aftaleflow.services.agreements.cases import NewAgreement, create_agreement, load_agreement
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from tests.factories import agreement_in_state


def _with_deadlines(ctx: ServiceContext) -> int:
    return create_agreement(ctx, NewAgreement(
        title="Udskrivelse af ældre", kind="regional_samarbejdsaftale", origin="ssu_bestilling",
        region="syddanmark", kle_number="29.30.08-P27-1-26", case_handler="Ane Holm",
        approval_deadline=date(2026, 6, 1), implementation_deadline=date(2026, 12, 1))).id


@pytest.mark.parametrize("state", ["under_udarbejdelse", "i_godkendelse", "implementeret"])
def test_loading_an_agreement_gives_what_an_orm_query_gives(ctx: ServiceContext,
                                                            state: str) -> None:
    ids = [agreement_in_state(ctx, state).id, _with_deadlines(ctx)]
    for agreement_id in ids:
        with Session(ctx.engine) as orm:
            expected = orm.get(Agreement, agreement_id)
            assert expected is not None
            region = orm.get(Region, expected.region_id)
            assert region is not None
            want = (expected.model_dump(), region.model_dump())
        with UnitOfWork(ctx, read_only=True) as uow:
            loaded = load_agreement(uow.session, agreement_id, None, lock=True)
            got = (loaded.model_dump(), uow.session.get(Region, loaded.region_id).model_dump())  # type: ignore[union-attr]
        assert got == want
        assert type(got[0]["created_at"]) is type(want[0]["created_at"])


def test_a_loaded_agreement_is_the_sessions_own_and_tracks_its_changes(
        ctx: ServiceContext) -> None:
    agreement_id = _with_deadlines(ctx)
    with UnitOfWork(ctx, read_only=True) as uow:
        loaded = load_agreement(uow.session, agreement_id, None)
        state = inspect(loaded)
        assert state.persistent and not state.modified
        assert uow.session.get(Agreement, agreement_id) is loaded
        assert load_agreement(uow.session, agreement_id, None) is loaded
        loaded.title = "Nyt navn"
        assert state.attrs.title.history.added == ["Nyt navn"]
    with pytest.raises(NotFound), UnitOfWork(ctx, read_only=True) as uow:
        load_agreement(uow.session, 999_999, None)


@pytest.mark.parametrize("day", [date(2022, 6, 30), date(2026, 12, 31), date(2027, 1, 1),
                                 date(2030, 5, 5)])
@pytest.mark.parametrize("state", ["under_udarbejdelse", "i_godkendelse"])
def test_a_transitions_load_brings_the_same_approval_rule_of_the_day_as_asking_for_it(
        ctx: ServiceContext, day: date, state: str) -> None:
    from aftaleflow.services.agreements import availability

    agreement_id = agreement_in_state(ctx, state).id
    with UnitOfWork(ctx, read_only=True) as uow:
        loaded = load_agreement(uow.session, agreement_id, None, lock=True, rule_on=day)
        brought = uow.session.info[("approval_rule", loaded.kind, day)]
    with UnitOfWork(ctx, read_only=True) as uow:
        loaded = load_agreement(uow.session, agreement_id, None)
        asked = availability._rule(uow.reader, loaded.kind, day)
    assert brought == asked
    assert (asked is None) == (day < date(2022, 7, 1))
