"""Danish business days, deadlines and reminder dates: pure functions, no clock, no I/O.

A business day (hverdag) is Monday–Friday except the Danish public holidays from the
`holidays` package (Store Bededag only until 2023, when it was abolished) and, as
configuration, days a body's offices are closed although they are not public holidays
(24/12, 31/12, Grundlovsdag). Every deadline carries the rule it was computed with, so the
user sees why a date was chosen.

Counting convention, shared by all functions here: a step forward lands on the next business
day, a step back on the previous one. `add_business_days(d, n)` takes n such steps and
`business_days_between(a, b)` counts them, so `business_days_between(a,
add_business_days(a, n)) == n` for every date a and every n.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from dateutil.easter import easter

STORE_BEDEDAG_LAST_YEAR = 2023
"""Store Bededag (the fourth Friday after Easter) was a public holiday up to 2023."""

_WEEKDAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_ONE_DAY = timedelta(days=1)
_Date = date  # for annotations inside classes that have a field named `date`


@dataclass(frozen=True)
class ClosingDay:
    """A day every year on which the offices are closed although it is no public holiday."""

    month: int
    day: int
    name: str

    def __post_init__(self) -> None:
        try:
            date(2024, self.month, self.day)  # a leap year accepts every real day
        except ValueError as exc:
            raise ValueError(f"Ugyldig lukkedag: {self.day}/{self.month}") from exc

    def matches(self, d: date) -> bool:
        return (d.month, d.day) == (self.month, self.day)

    @property
    def short(self) -> str:
        return f"{self.day}/{self.month}"


CHRISTMAS_EVE = ClosingDay(12, 24, "Juleaftensdag")
NEW_YEARS_EVE = ClosingDay(12, 31, "Nytårsaftensdag")
CONSTITUTION_DAY = ClosingDay(6, 5, "Grundlovsdag")

CLOSING_DAY_PRESETS: Mapping[str, tuple[ClosingDay, ...]] = MappingProxyType({
    "helligdage": (),
    "offentlig": (CHRISTMAS_EVE, NEW_YEARS_EVE, CONSTITUTION_DAY),
})
"""Named choices of extra closing days: only the public holidays, or as many public offices."""


def _without_abolished(year: int, days: Mapping[date, str]) -> dict[date, str]:
    """Drop Store Bededag from 2024 on, whatever the holiday library says about it."""
    kept = dict(days)
    if year > STORE_BEDEDAG_LAST_YEAR:
        kept.pop(easter(year) + timedelta(days=26), None)
    return kept


@lru_cache(maxsize=64)
def danish_public_holidays(year: int) -> Mapping[date, str]:
    """The Danish public holidays of one year, with their Danish names."""
    import holidays  # 0.15 s to import: only commands that count business days pay it

    library_days = holidays.Denmark(years=year, language="da", categories=("public",))
    return MappingProxyType(_without_abolished(year, dict(library_days.items())))


@dataclass(frozen=True)
class BusinessCalendar:
    """Danish business days, optionally with extra closing days (default: none)."""

    extra_closing_days: tuple[ClosingDay, ...] = ()

    @classmethod
    def from_preset(cls, name: str) -> BusinessCalendar:
        """A calendar from a named preset: "helligdage" (default) or "offentlig"."""
        try:
            return cls(CLOSING_DAY_PRESETS[name])
        except KeyError:
            known = ", ".join(sorted(CLOSING_DAY_PRESETS))
            raise ValueError(f"Ukendt kalender '{name}'; vælg en af: {known}") from None

    def closure_reason(self, d: date) -> str | None:
        """Why d is not a business day ("lørdag", "Langfredag" ...), or None if it is one."""
        holiday = danish_public_holidays(d.year).get(d)
        if holiday is not None:
            return holiday
        for closing in self.extra_closing_days:
            if closing.matches(d):
                return closing.name
        if d.weekday() >= 5:
            return _WEEKDAY_NAMES[d.weekday()]
        return None

    def is_business_day(self, d: date) -> bool:
        return self.closure_reason(d) is None

    def next_business_day_on_or_after(self, d: date) -> date:
        while not self.is_business_day(d):
            d += _ONE_DAY
        return d

    def previous_business_day_on_or_before(self, d: date) -> date:
        while not self.is_business_day(d):
            d -= _ONE_DAY
        return d

    def add_business_days(self, d: date, n: int) -> date:
        """Take |n| steps from d, each to the next (n > 0) or previous (n < 0) business day.

        d itself need not be a business day; for n != 0 the result always is one.
        """
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        for _ in range(abs(n)):
            d += step
            while not self.is_business_day(d):
                d += step
        return d

    def business_days_between(self, a: date, b: date) -> int:
        """Signed number of steps from a to b: business days in (a, b], or minus those in [b, a)."""
        if b >= a:
            return sum(1 for d in _days(a + _ONE_DAY, b) if self.is_business_day(d))
        return -sum(1 for d in _days(b, a - _ONE_DAY) if self.is_business_day(d))

    def rule_text(self) -> str:
        """The rule in Danish, to show next to every deadline computed with it."""
        text = "Hverdage: mandag–fredag undtagen helligdage (Danmark)"
        if self.extra_closing_days:
            text += "; desuden lukket " + ", ".join(c.short for c in self.extra_closing_days)
        return text


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def danish_long_date(d: date) -> str:
    """ "25. marts 2027" """
    from babel.dates import format_date  # imported here: a read command never needs it

    return format_date(d, format="long", locale="da")


@dataclass(frozen=True)
class Deadline:
    """A deadline with its Danish long date and the business-day rule that produced it."""

    date: date
    long_date: str
    rule_text: str

    @classmethod
    def on(cls, d: _Date, cal: BusinessCalendar) -> Deadline:
        return cls(date=d, long_date=danish_long_date(d), rule_text=cal.rule_text())

    def is_passed(self, today: _Date) -> bool:
        """True from the day after the deadline: the deadline day itself is still in time."""
        return today > self.date


@lru_cache(maxsize=1024)
def approval_deadline(start: date, business_days: int, cal: BusinessCalendar) -> Deadline:
    """The day `business_days` business days after start, never a weekend or closing day.

    Cached: a pure function of its arguments, asked once per party of every round start.
    """
    if business_days < 0:
        raise ValueError(f"Fristen skal være 0 hverdage eller mere, ikke {business_days}")
    day = cal.add_business_days(start, business_days)
    return Deadline.on(cal.next_business_day_on_or_after(day), cal)


def agenda_send_deadline(meeting_date: date, business_days_before: int,
                         cal: BusinessCalendar) -> Deadline:
    """The last day the agenda may go out, e.g. 4 hverdage before an ordinary council meeting."""
    if business_days_before < 0:
        raise ValueError(
            f"Antal hverdage før mødet skal være 0 eller mere, ikke {business_days_before}")
    day = cal.add_business_days(meeting_date, -business_days_before)
    return Deadline.on(cal.previous_business_day_on_or_before(day), cal)


FIRST_REMINDER, SECOND_REMINDER, ESCALATION = "rykker_1", "rykker_2", "eskalering"
REMINDER_LABELS: Mapping[str, str] = MappingProxyType({
    FIRST_REMINDER: "1. rykker",
    SECOND_REMINDER: "2. rykker",
    ESCALATION: "Eskalering til leder",
})


@dataclass(frozen=True)
class ReminderPolicy:
    """When to remind a party about a deadline, in business days, and when to escalate."""

    first_reminder_days_before: int
    second_on_deadline: bool
    escalate_days_after: int

    def __post_init__(self) -> None:
        if self.first_reminder_days_before < 0 or self.escalate_days_after < 0:
            raise ValueError("Antal hverdage for rykker og eskalering skal være 0 eller mere")


class ScheduledReminder(NamedTuple):
    level: str
    date: date


def reminder_schedule(deadline: Deadline | date, policy: ReminderPolicy,
                      cal: BusinessCalendar) -> list[ScheduledReminder]:
    """The reminders for one deadline in order: rykker_1, rykker_2 (optional), eskalering."""
    due = deadline.date if isinstance(deadline, Deadline) else deadline
    first = cal.add_business_days(due, -policy.first_reminder_days_before)
    schedule = [ScheduledReminder(FIRST_REMINDER, cal.previous_business_day_on_or_before(first))]
    if policy.second_on_deadline:
        schedule.append(ScheduledReminder(SECOND_REMINDER, cal.next_business_day_on_or_after(due)))
    escalation = cal.add_business_days(due, policy.escalate_days_after)
    schedule.append(ScheduledReminder(ESCALATION, cal.next_business_day_on_or_after(escalation)))
    return schedule


def due_reminders(today: date, deadline: Deadline | date, policy: ReminderPolicy,
                  cal: BusinessCalendar) -> list[str]:
    """Levels whose date has come (date <= today); sending each once is the caller's job."""
    return [r.level for r in reminder_schedule(deadline, policy, cal) if r.date <= today]
