"""Renumbering a reordered dagsorden: the clerk's numbers stay, the others follow the order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftaleflow.domain.agenda import Slot, renumber
from aftaleflow.domain.errors import ValidationFailed


def test_items_numbered_by_the_system_follow_the_order() -> None:
    assert renumber([Slot(3, False, moved=True), Slot(1, False), Slot(2, False)]) == [1, 2, 3]


def test_an_item_after_the_clerks_number_continues_from_it() -> None:
    assert renumber([Slot(2, False), Slot(18, True), Slot(1, False, moved=True)]) == [1, 18, 19]


def test_a_moved_item_keeps_its_own_number_where_it_fits() -> None:
    assert renumber([Slot(18, True, moved=True), Slot(1, False), Slot(2, False)]) == [18, 19, 20]


def test_a_moved_item_takes_the_nearest_number_that_fits() -> None:
    assert renumber([Slot(18, True, moved=True), Slot(17, True)]) == [16, 17]
    assert renumber([Slot(18, True), Slot(17, True, moved=True)]) == [18, 19]


def test_a_move_between_two_neighbouring_clerks_numbers_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="ikke et ledigt nummer mellem punkt 1 og punkt 2"):
        renumber([Slot(1, True), Slot(5, False, moved=True), Slot(2, True)])


@given(st.lists(st.tuples(st.integers(1, 999), st.booleans()), min_size=1, max_size=12,
                unique_by=lambda t: t[0]), st.data())
def test_numbers_rise_and_unmoved_clerks_numbers_stay(items, data) -> None:
    items.sort()
    moved = data.draw(st.integers(0, len(items) - 1))
    target = data.draw(st.integers(0, len(items) - 1))
    slots = [Slot(n, custom, moved=i == moved) for i, (n, custom) in enumerate(items)]
    order = [s for s in slots if not s.moved]
    order.insert(target, slots[moved])
    try:
        numbers = renumber(order)
    except ValidationFailed:
        assert any(s.custom for s in order)  # without the clerk's numbers every move works
        return
    assert numbers == sorted(set(numbers))
    assert all(n == s.number for n, s in zip(numbers, order, strict=True)
               if s.custom and not s.moved)
