"""The clerk reorders a dagsorden and marks items lukket: one transaction and one audit each."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import NotFound, PermissionDenied, ValidationFailed
from aftaleflow.domain.model import AuditEvent
from aftaleflow.services.meetings.agenda import (
    NewItem,
    add_item,
    create_meeting,
    get_meeting,
    move_item,
    set_item_closed,
)
from aftaleflow.services.uow import ServiceContext
from tests.conftest import dump
from tests.services.test_meetings import MEETING_AT


def _meeting_with(ctx, *titles: str) -> tuple[int, list[int]]:
    meeting = create_meeting(ctx, "kb-657", MEETING_AT, "Byrådssalen")
    return meeting.id, [add_item(ctx, meeting.id, NewItem(title=t)).id for t in titles]


def _titles(ctx, meeting_id: int) -> list[tuple[int, str]]:
    return [(i.number, i.title) for i in get_meeting(ctx, meeting_id).items]


def _audit(ctx, trigger: str) -> list[AuditEvent]:
    with Session(ctx.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.trigger == trigger)
                                 .order_by(col(AuditEvent.id))))


def test_moving_an_item_up_shifts_the_items_in_between_down(ctx) -> None:
    meeting, items = _meeting_with(ctx, "A", "B", "C", "D")
    move_item(ctx, items[3], 2)
    assert _titles(ctx, meeting) == [(1, "A"), (2, "D"), (3, "B"), (4, "C")]
    [event] = _audit(ctx, "flyt_punkt")
    assert (event.from_state, event.to_state) == ("4", "2")


def test_moving_an_item_down_and_back_restores_the_order(ctx) -> None:
    meeting, items = _meeting_with(ctx, "A", "B", "C")
    move_item(ctx, items[0], 3)
    assert _titles(ctx, meeting) == [(1, "B"), (2, "C"), (3, "A")]
    move_item(ctx, items[0], 1)
    assert _titles(ctx, meeting) == [(1, "A"), (2, "B"), (3, "C")]


def test_moving_to_the_same_place_changes_nothing(ctx) -> None:
    _meeting, items = _meeting_with(ctx, "A", "B")
    before = dump(ctx.engine)
    move_item(ctx, items[1], 2)
    assert dump(ctx.engine) == before


def test_moving_outside_the_agenda_is_refused_and_writes_nothing(ctx) -> None:
    _meeting, items = _meeting_with(ctx, "A", "B")
    before = dump(ctx.engine)
    with pytest.raises(ValidationFailed, match="1-2"):
        move_item(ctx, items[0], 3)
    with pytest.raises(NotFound):
        move_item(ctx, 9999, 1)
    assert dump(ctx.engine) == before


def test_marking_an_item_closed_and_open_again_is_audited(ctx) -> None:
    meeting, items = _meeting_with(ctx, "Personalesag")
    assert set_item_closed(ctx, items[0], True).closed
    assert get_meeting(ctx, meeting).items[0].closed
    assert not set_item_closed(ctx, items[0], False).closed
    assert [(e.from_state, e.to_state) for e in _audit(ctx, "luk_punkt")] == [("åbent", "lukket")]
    assert [(e.from_state, e.to_state) for e in _audit(ctx, "aabn_punkt")] == [
        ("lukket", "åbent")]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASE_HANDLER])
def test_only_clerks_and_admins_may_reorder_or_close(ctx, role: Role) -> None:
    _meeting, items = _meeting_with(ctx, "A", "B")
    other = ServiceContext(engine=ctx.engine, actor="x", clock=ctx.clock,
                           principal=Principal(name="x", role=role))
    before = dump(ctx.engine)
    with pytest.raises(PermissionDenied):
        move_item(other, items[0], 2)
    with pytest.raises(PermissionDenied):
        set_item_closed(other, items[0], True)
    assert dump(ctx.engine) == before


def _meeting_with_numbers(ctx, *items: tuple[str, int | None]) -> tuple[int, list[int]]:
    meeting = create_meeting(ctx, "kb-657", MEETING_AT, "Byrådssalen")
    return meeting.id, [add_item(ctx, meeting.id, NewItem(title=t, number=n)).id
                        for t, n in items]


def test_moving_keeps_the_number_the_clerk_gave_an_item(ctx) -> None:
    """Seed 004: the committee's item about the agreement is number 18 on its agenda."""
    meeting, items = _meeting_with_numbers(ctx, ("Meddelelser", None),
                                           ("Samarbejdsaftale", 18), ("Eventuelt", None))
    assert _titles(ctx, meeting) == [(1, "Meddelelser"), (18, "Samarbejdsaftale"),
                                     (19, "Eventuelt")]
    move_item(ctx, items[2], 1)
    assert _titles(ctx, meeting) == [(1, "Eventuelt"), (2, "Meddelelser"),
                                     (18, "Samarbejdsaftale")]
    move_item(ctx, items[0], 3)  # the others follow the order; item 18 stays
    assert _titles(ctx, meeting) == [(1, "Eventuelt"), (18, "Samarbejdsaftale"),
                                     (19, "Meddelelser")]
    [*_, last] = _audit(ctx, "flyt_punkt")
    assert (last.from_state, last.to_state) == ("2", "19")


def test_a_moved_item_with_the_clerks_number_keeps_it_where_it_fits(ctx) -> None:
    meeting, items = _meeting_with_numbers(ctx, ("A", None), ("Punkt 18", 18))
    move_item(ctx, items[1], 1)
    assert _titles(ctx, meeting) == [(18, "Punkt 18"), (19, "A")]


def test_a_move_with_no_free_number_between_the_clerks_numbers_is_refused(ctx) -> None:
    _meeting, items = _meeting_with_numbers(ctx, ("Punkt 1", 1), ("Punkt 2", 2),
                                            ("C", None))
    before = dump(ctx.engine)
    with pytest.raises(ValidationFailed, match="ikke et ledigt nummer mellem punkt 1 og "
                                               "punkt 2"):
        move_item(ctx, items[2], 2)
    assert dump(ctx.engine) == before
