"""The set-based status matrix shows exactly what the per-agreement views show."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from sqlmodel import Session, col, select

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.model import Body
from aftaleflow.services.agreements.cases import list_agreements
from aftaleflow.services.reading.matrix import approval_matrix
from aftaleflow.services.reading.status import status_matrix
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import MatrixRow
from tests.factories import TRIAL_GOEDSTRUP, agreement_in_state, new_agreement


def _cases(ctx: ServiceContext) -> None:
    for state in ("under_udarbejdelse", "i_godkendelse", "genforhandling", "godkendt",
                  "implementeret", "tilbagetrukket"):
        agreement_in_state(ctx, state)
    new_agreement(ctx, TRIAL_GOEDSTRUP)


def test_status_matrix_equals_the_agreement_list_in_every_state(ctx: ServiceContext) -> None:
    _cases(ctx)
    assert status_matrix(ctx) == list_agreements(ctx)
    assert status_matrix(ctx, region="syddanmark") == list_agreements(ctx, region="syddanmark")
    assert status_matrix(ctx, region="midtjylland") == list_agreements(ctx, region="midtjylland")


def test_a_party_sees_only_agreements_that_concern_its_body(ctx: ServiceContext) -> None:
    _cases(ctx)
    with Session(ctx.engine) as session:
        vejle = session.exec(select(Body).where(col(Body.name).contains("Vejle"),
                                                Body.kind == "kommunalbestyrelse")).one()
    party = ServiceContext(engine=ctx.engine, actor="vejle", clock=ctx.clock,
                           principal=Principal(name="vejle", role=Role.PARTY, body_id=vejle.id))
    seen = status_matrix(party)
    assert seen == list_agreements(party)
    assert seen and len(seen) < len(status_matrix(ctx))


def test_a_region_with_control_characters_is_refused_in_danish(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationFailed):
        status_matrix(ctx, region="\x00")


def test_the_matrix_leaves_the_garbage_collector_as_it_found_it(ctx: ServiceContext) -> None:
    """The collector is paused while the cells are built (speed), never left off."""
    import gc

    _cases(ctx)
    assert gc.isenabled()
    status_matrix(ctx)
    assert gc.isenabled()
    gc.disable()  # someone else's pause is not ended by ours
    try:
        status_matrix(ctx)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_matrix_cell_has_the_approval_views_fields_in_its_order() -> None:
    """ApprovalCell mirrors ApprovalView as a plain tuple (23,000 of them in a matrix): the
    two field lists must not drift apart. The view's last field, `cell`, is the cell's text,
    worked out from the others (`reading.cells.cell_of`): the matrix's adapters word a
    tuple's cell when they show it, so the tuple does not carry it."""
    from dataclasses import MISSING, fields

    from aftaleflow.services.views import ApprovalCell, ApprovalView

    declared = fields(ApprovalView)
    assert declared[-1].name == "cell"
    declared = declared[:-1]
    assert ApprovalCell._fields == tuple(f.name for f in declared)
    assert ApprovalCell._field_defaults == {f.name: f.default for f in declared
                                            if f.default is not MISSING}


def test_matrix_cells_carry_meetings_and_decisions_as_the_views_do(
        ctx: ServiceContext) -> None:
    """The matrix reads a party's meeting and decision, protocol, comment, certainty and own
    text version in a second query that finds only the approvals having any of them: the
    cells still equal the per-agreement views', also for a page of ids and for one region."""
    from aftaleflow.services.agreements.approvals import Decision, record_decision
    from aftaleflow.services.agreements.texts import TextRevision, revise_text
    from aftaleflow.services.reading.matrix import approval_matrix

    _cases(ctx)
    pending = agreement_in_state(ctx, "i_godkendelse")
    record_decision(ctx, pending.id, Decision(party="Vejle", decision="dagsorden",
                                              meeting_date=ctx.now().date(),
                                              protocol_ref="Punkt 7", comment="På mødet"))
    revised = agreement_in_state(ctx, "genforhandling")
    revise_text(ctx, revised.id, TextRevision(body="Ny tekst efter afvisningen"))
    views = {v.id: v for v in list_agreements(ctx)}
    assert status_matrix(ctx) == list(views.values())
    cells = {c.body: c for c in views[pending.id].approvals}
    vejle = next(c for name, c in cells.items() if "Vejle" in name)
    assert vejle.meeting_date and vejle.protocol_ref == "Punkt 7"
    assert vejle.comment == "På mødet"
    deadlines = [c.deadline for r in approval_matrix(ctx) for c in r.approvals if c.deadline]
    assert len({id(d) for d in deadlines}) == len(set(deadlines))  # one object per day
    page = approval_matrix(ctx, only=[revised.id, pending.id])
    assert [r.id for r in page] == sorted([revised.id, pending.id])
    for row in page:
        assert [tuple(c) for c in row.approvals] == [
            tuple(getattr(v, f) for f in c._fields)
            for v, c in zip(views[row.id].approvals, row.approvals, strict=True)]
    assert approval_matrix(ctx, region="syddanmark", only=[]) == []


def test_a_matrix_row_is_the_same_as_one_made_by_its_dataclass(ctx: ServiceContext) -> None:
    """The matrix writes a row's fields at once (its speed); the row is an ordinary one."""
    from dataclasses import asdict, fields, replace

    agreement_in_state(ctx, "i_godkendelse")
    [row] = [r for r in approval_matrix(ctx) if r.approvals]
    made = MatrixRow(**{f.name: getattr(row, f.name) for f in fields(MatrixRow)})
    assert row == made and asdict(row) == asdict(made)
    assert row.progress == made.progress == f"0 af {len(row.approvals)} godkendt"
    assert replace(row, title="Ny") == replace(made, title="Ny")
    with pytest.raises(FrozenInstanceError):
        row.title = "Ændret"  # type: ignore[misc]


def test_the_matrix_finds_noted_approvals_through_their_partial_index(
        ctx: ServiceContext) -> None:
    """Not a scan of every approval: most cells of a running round have no meeting, decision
    or note (SQLite's plan; PostgreSQL chooses by its statistics)."""
    from sqlalchemy import text

    from aftaleflow.services.reading.matrix import _NOTED

    if ctx.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    with ctx.engine.connect() as conn:
        plan = conn.execute(text("EXPLAIN QUERY PLAN " + _NOTED.format(
            where="", also="WHERE"))).all()
    assert any("USING INDEX ix_approval_noted" in row[-1] for row in plan), plan
