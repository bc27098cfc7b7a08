"""Committees added and ended by an administrator, kept when the master data loads again."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import PermissionDenied, ValidationFailed
from aftaleflow.domain.model import AuditEvent, Body
from aftaleflow.services.structure.bodies import NewBody, add_body, end_body, route_names
from aftaleflow.services.structure.masterdata import load_master_data
from aftaleflow.services.structure.reading import list_bodies
from aftaleflow.services.uow import ServiceContext
from tests.conftest import dump

FOU = NewBody(key="fou-657", name="Forebyggelsesudvalget", short_name="FOU",
              kind="fagudvalg", valid_from=date(2018, 1, 1), municipality="Herning")


def test_added_and_ended_committee_survives_a_master_data_load_with_audit_events(
        ctx, engine) -> None:
    add_body(ctx, FOU)
    end_body(ctx, "fou-657", date(2025, 12, 31))
    load_master_data(ctx)
    keys = {b.key for b in list_bodies(ctx, date(2025, 12, 31), "fagudvalg")}
    assert "fou-657" in keys
    assert "fou-657" not in {b.key for b in list_bodies(ctx, date(2026, 1, 1), "fagudvalg")}
    with Session(engine) as session:
        triggers = [e.trigger for e in session.exec(
            select(AuditEvent).where(AuditEvent.entity == "body"))]
    assert triggers == ["opret_organ", "nedlaeg_organ"]


def test_route_names_prefer_the_meeting_councils_own_committee(ctx, engine) -> None:
    add_body(ctx, FOU)
    add_body(ctx, NewBody(key="fou-661", name="Forebyggelses- og Sundhedsudvalget",
                          short_name="FOU", kind="fagudvalg", valid_from=date(2018, 1, 1),
                          municipality="Holstebro"))
    with Session(engine) as session:
        herning = session.exec(select(Body).where(Body.key == "kb-657")).one()
        holstebro = session.exec(select(Body).where(Body.key == "kb-661")).one()
        on = date(2021, 8, 30)
        assert route_names(session, ["FOU", "KB"], herning, on) == {
            "FOU": "Forebyggelsesudvalget"}
        assert route_names(session, ["FOU"], holstebro, on) == {
            "FOU": "Forebyggelses- og Sundhedsudvalget"}


def test_only_an_administrator_adds_committees_and_a_bad_kind_is_refused(ctx) -> None:
    before = dump(ctx.engine)
    with pytest.raises(ValidationFailed, match="Ukendt organtype"):
        add_body(ctx, NewBody(key="x-657", name="X", short_name="X", kind="regionsraad",
                              valid_from=date(2018, 1, 1)))
    clerk = ServiceContext(engine=ctx.engine, actor="x", clock=ctx.clock,
                           principal=Principal(name="x", role=Role.CLERK))
    with pytest.raises(PermissionDenied):
        add_body(clerk, FOU)
    assert dump(ctx.engine) == before
