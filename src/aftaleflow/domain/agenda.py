"""Numbering a dagsorden after the clerk reorders it.

A number the clerk gave an item (seed 004's item 18: the rest of that agenda lives in the
council's own system) stays; the other items follow the order, each one more than the item
before it. A moved item with a number of its own keeps it where it still fits, else takes
the nearest number that does (moving item 18 above item 17 makes it 16).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aftaleflow.domain.errors import ValidationFailed


@dataclass(frozen=True)
class Slot:
    """An item on the agenda, in its new order."""

    number: int
    custom: bool
    """The clerk gave this number (kept when the agenda is reordered)."""
    moved: bool = False


def renumber(order: Sequence[Slot]) -> list[int]:
    """The items' numbers in the given order: strictly rising, custom numbers kept."""
    numbers: list[int] = []
    previous = 0
    for index, slot in enumerate(order):
        ceiling = _next_kept(order[index + 1:])
        if not slot.custom:
            number = previous + 1
        elif slot.moved:  # as close to its own number as its new place allows
            number = min(max(slot.number, previous + 1), ceiling - 1)
        else:
            number = slot.number
        if number <= previous or number >= ceiling:
            raise ValidationFailed(_conflict(previous, ceiling))
        numbers.append(number)
        previous = number
    return numbers


def _next_kept(rest: Sequence[Slot]) -> int:
    """The lowest number that must stay further down (no item may reach it before)."""
    kept = [s.number for s in rest if s.custom and not s.moved]
    return min(kept, default=10**9)


def _conflict(previous: int, ceiling: int) -> str:
    return (f"Der er ikke et ledigt nummer mellem punkt {previous} og punkt {ceiling}, som har "
            "et nummer sat af udvalgssekretæren. Flyt punktet et andet sted hen.")
