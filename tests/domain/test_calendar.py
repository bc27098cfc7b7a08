"""Danish business days across Christmas, Easter, Kristi himmelfart and Pinse.

Every expected date below was worked out by hand from a printed calendar; the weekday is
noted next to it so a reader can check the reasoning without running anything.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftaleflow.domain.calendar import (
    CLOSING_DAY_PRESETS,
    BusinessCalendar,
    ClosingDay,
    Deadline,
    ReminderPolicy,
    ScheduledReminder,
    _without_abolished,
    agenda_send_deadline,
    approval_deadline,
    danish_long_date,
    danish_public_holidays,
    due_reminders,
    reminder_schedule,
)

PLAIN = BusinessCalendar()
OFFICE = BusinessCalendar.from_preset("offentlig")
PLAIN_RULE = "Hverdage: mandag–fredag undtagen helligdage (Danmark)"


# --- the holiday list -------------------------------------------------------------------


def test_danish_public_holidays_2027_are_the_ten_named_days() -> None:
    assert dict(danish_public_holidays(2027)) == {
        date(2027, 1, 1): "Nytårsdag",
        date(2027, 3, 25): "Skærtorsdag",
        date(2027, 3, 26): "Langfredag",
        date(2027, 3, 28): "Påskedag",
        date(2027, 3, 29): "Anden påskedag",
        date(2027, 5, 6): "Kristi himmelfartsdag",
        date(2027, 5, 16): "Pinsedag",
        date(2027, 5, 17): "Anden pinsedag",
        date(2027, 12, 25): "Juledag",
        date(2027, 12, 26): "Anden juledag",
    }


def test_store_bededag_is_a_holiday_in_2023_only() -> None:
    assert not PLAIN.is_business_day(date(2023, 5, 5))  # Friday, Store Bededag 2023
    assert PLAIN.closure_reason(date(2023, 5, 5)) == "Store bededag"
    # the fourth Friday after Easter, now an ordinary working day
    assert PLAIN.is_business_day(date(2024, 4, 26))
    assert PLAIN.is_business_day(date(2025, 5, 16))
    assert PLAIN.is_business_day(date(2027, 4, 23))


def test_store_bededag_is_dropped_from_2024_even_if_the_library_lists_it() -> None:
    library_says = {date(2024, 4, 26): "Store bededag", date(2024, 12, 25): "Juledag"}
    assert _without_abolished(2024, library_says) == {date(2024, 12, 25): "Juledag"}
    assert _without_abolished(2023, {date(2023, 5, 5): "Store bededag"}) == {
        date(2023, 5, 5): "Store bededag"
    }


def test_closure_reason_names_weekend_holiday_and_closing_day() -> None:
    assert PLAIN.closure_reason(date(2027, 3, 26)) == "Langfredag"
    assert PLAIN.closure_reason(date(2027, 3, 27)) == "lørdag"
    assert PLAIN.closure_reason(date(2027, 3, 21)) == "søndag"
    assert PLAIN.closure_reason(date(2026, 12, 24)) is None
    assert OFFICE.closure_reason(date(2026, 12, 24)) == "Juleaftensdag"
    assert OFFICE.closure_reason(date(2027, 6, 5)) == "Grundlovsdag"  # a Saturday: named day first
    assert OFFICE.closure_reason(date(2026, 6, 5)) == "Grundlovsdag"  # a Friday


# --- configuration and rule text ---------------------------------------------------------


def test_rule_text_states_the_extra_closing_days() -> None:
    assert PLAIN.rule_text() == PLAIN_RULE
    assert OFFICE.rule_text() == PLAIN_RULE + "; desuden lukket 24/12, 31/12, 5/6"
    christmas_only = BusinessCalendar((
        ClosingDay(12, 24, "Juleaftensdag"), ClosingDay(12, 31, "Nytårsaftensdag")))
    assert christmas_only.rule_text() == PLAIN_RULE + "; desuden lukket 24/12, 31/12"


def test_presets_are_plain_holidays_by_default_and_offentlig_adds_three_days() -> None:
    assert BusinessCalendar.from_preset("helligdage") == PLAIN
    assert {(c.month, c.day) for c in CLOSING_DAY_PRESETS["offentlig"]} == {
        (12, 24), (12, 31), (6, 5)}


def test_unknown_preset_is_refused_in_danish() -> None:
    with pytest.raises(ValueError, match="Ukendt kalender 'kommune'; vælg en af: helligdage"):
        BusinessCalendar.from_preset("kommune")


def test_a_closing_day_must_exist_in_the_calendar() -> None:
    with pytest.raises(ValueError, match="Ugyldig lukkedag: 30/2"):
        ClosingDay(2, 30, "Ingen dag")
    assert ClosingDay(2, 29, "Skuddag").matches(date(2028, 2, 29))


# --- Christmas 2026 and New Year 2027 ----------------------------------------------------
# Dec 2026: 23 Wed, 24 Thu, 25 Fri (juledag), 26 Sat (2. juledag), 27 Sun, 28 Mon, 29 Tue,
# 30 Wed, 31 Thu; 1 Jan 2027 Fri (nytårsdag), 2 Sat, 3 Sun, 4 Mon, 5 Tue.


@pytest.mark.parametrize(("day", "plain", "office"), [
    (date(2026, 12, 23), True, True),
    (date(2026, 12, 24), True, False),
    (date(2026, 12, 25), False, False),
    (date(2026, 12, 26), False, False),
    (date(2026, 12, 27), False, False),
    (date(2026, 12, 28), True, True),
    (date(2026, 12, 31), True, False),
    (date(2027, 1, 1), False, False),
    (date(2027, 1, 4), True, True),
])
def test_business_days_around_christmas_2026(day: date, plain: bool, office: bool) -> None:
    assert PLAIN.is_business_day(day) is plain
    assert OFFICE.is_business_day(day) is office


def test_approval_deadline_over_christmas_2026() -> None:
    # from Mon 21 Dec, 5 days: 22, 23, 24, 28, 29 -- or, offices closed on the 24th, 22, 23, 28,
    # 29, 30
    assert approval_deadline(date(2026, 12, 21), 5, PLAIN) == Deadline(
        date(2026, 12, 29), "29. december 2026", PLAIN_RULE)
    office = approval_deadline(date(2026, 12, 21), 5, OFFICE)
    assert office.date == date(2026, 12, 30)
    assert office.long_date == "30. december 2026"
    assert office.rule_text == PLAIN_RULE + "; desuden lukket 24/12, 31/12, 5/6"


def test_approval_deadline_over_new_year_2027() -> None:
    # from Tue 29 Dec, 3 days: 30, 31, Mon 4 Jan -- or without the 31st: 30, 4 Jan, 5 Jan
    assert approval_deadline(date(2026, 12, 29), 3, PLAIN).date == date(2027, 1, 4)
    assert approval_deadline(date(2026, 12, 29), 3, OFFICE).date == date(2027, 1, 5)
    assert approval_deadline(date(2026, 12, 29), 3, OFFICE).long_date == "5. januar 2027"


def test_a_zero_day_deadline_on_a_holiday_moves_to_the_next_business_day() -> None:
    assert approval_deadline(date(2026, 12, 25), 0, PLAIN).date == date(2026, 12, 28)
    assert approval_deadline(date(2026, 12, 23), 0, PLAIN).date == date(2026, 12, 23)


def test_counting_and_stepping_over_christmas_2026() -> None:
    # (23 Dec, 4 Jan]: 24, 28, 29, 30, 31, 4 -- the office calendar drops the 24th and 31st
    assert PLAIN.business_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 6
    assert OFFICE.business_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 4
    assert PLAIN.business_days_between(date(2027, 1, 4), date(2026, 12, 23)) == -6
    assert PLAIN.add_business_days(date(2026, 12, 23), 1) == date(2026, 12, 24)
    assert OFFICE.add_business_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert PLAIN.add_business_days(date(2027, 1, 4), -1) == date(2026, 12, 31)
    assert OFFICE.add_business_days(date(2027, 1, 4), -1) == date(2026, 12, 30)
    assert PLAIN.next_business_day_on_or_after(date(2026, 12, 25)) == date(2026, 12, 28)
    assert PLAIN.previous_business_day_on_or_before(date(2026, 12, 27)) == date(2026, 12, 24)
    assert OFFICE.previous_business_day_on_or_before(date(2026, 12, 27)) == date(2026, 12, 23)
    assert PLAIN.previous_business_day_on_or_before(date(2027, 1, 3)) == date(2026, 12, 31)


# --- Easter 2027 -------------------------------------------------------------------------
# Mar 2027: 19 Fri, 22 Mon, 23 Tue, 24 Wed, 25 Thu (skærtorsdag), 26 Fri (langfredag),
# 27 Sat, 28 Sun (påskedag), 29 Mon (2. påskedag), 30 Tue, 31 Wed; 1 Apr Thu.


def test_approval_deadline_over_easter_2027() -> None:
    assert approval_deadline(date(2027, 3, 24), 1, PLAIN).date == date(2027, 3, 30)
    assert approval_deadline(date(2027, 3, 23), 3, PLAIN) == Deadline(
        date(2027, 3, 31), "31. marts 2027", PLAIN_RULE)
    assert PLAIN.business_days_between(date(2027, 3, 24), date(2027, 3, 30)) == 1
    assert PLAIN.add_business_days(date(2027, 3, 30), -1) == date(2027, 3, 24)


def test_agenda_deadline_before_a_meeting_after_easter_2027() -> None:
    # meeting Tue 30 Mar, 4 hverdage before: 24, 23, 22, Fri 19 Mar
    assert agenda_send_deadline(date(2027, 3, 30), 4, PLAIN) == Deadline(
        date(2027, 3, 19), "19. marts 2027", PLAIN_RULE)
    # meeting Thu 1 Apr: 31, 30, 24, 23
    assert agenda_send_deadline(date(2027, 4, 1), 4, PLAIN).date == date(2027, 3, 23)


def test_agenda_deadline_for_a_meeting_on_a_closed_day() -> None:
    # 0 days before a meeting held on Saturday 27 March: the last business day is 24 March
    assert agenda_send_deadline(date(2027, 3, 27), 0, PLAIN).date == date(2027, 3, 24)
    # 1 day before Saturday 27 March: the first business day going back is Wed 24 March
    assert agenda_send_deadline(date(2027, 3, 27), 1, PLAIN).date == date(2027, 3, 24)


# --- Kristi himmelfartsdag and Pinse 2027 ------------------------------------------------
# May 2027: 3 Mon, 4 Tue, 5 Wed, 6 Thu (Kristi himmelfart), 7 Fri (an ordinary day),
# 10 Mon, 13 Thu, 14 Fri, 16 Sun (pinsedag), 17 Mon (2. pinsedag), 18 Tue ... 31 Mon.


def test_kristi_himmelfartsdag_2027() -> None:
    assert not PLAIN.is_business_day(date(2027, 5, 6))
    assert PLAIN.is_business_day(date(2027, 5, 7))
    assert approval_deadline(date(2027, 5, 5), 1, PLAIN).date == date(2027, 5, 7)
    assert approval_deadline(date(2027, 5, 5), 1, PLAIN).long_date == "7. maj 2027"
    assert PLAIN.add_business_days(date(2027, 5, 5), 2) == date(2027, 5, 10)
    # meeting Tue 11 May, 4 hverdage before: 10, 7, 5, 4
    assert agenda_send_deadline(date(2027, 5, 11), 4, PLAIN).date == date(2027, 5, 4)


def test_pinse_2027() -> None:
    assert not PLAIN.is_business_day(date(2027, 5, 17))
    assert approval_deadline(date(2027, 5, 14), 1, PLAIN).date == date(2027, 5, 18)
    assert PLAIN.add_business_days(date(2027, 5, 18), -1) == date(2027, 5, 14)
    # (3 May, 31 May]: 4 5 7 | 10-14 | 18-21 | 24-28 | 31 = 3 + 5 + 4 + 5 + 1
    assert PLAIN.business_days_between(date(2027, 5, 3), date(2027, 5, 31)) == 18


def test_grundlovsdag_closes_offices_only_in_the_office_calendar() -> None:
    # Fri 5 June 2026: from Thu 4 June, 1 day is the 5th -- or Mon 8 June with offices closed
    assert approval_deadline(date(2026, 6, 4), 1, PLAIN).date == date(2026, 6, 5)
    assert approval_deadline(date(2026, 6, 4), 1, OFFICE).date == date(2026, 6, 8)


def test_negative_day_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="0 hverdage eller mere"):
        approval_deadline(date(2027, 1, 4), -1, PLAIN)
    with pytest.raises(ValueError, match="0 eller mere"):
        agenda_send_deadline(date(2027, 1, 4), -2, PLAIN)


def test_deadline_is_passed_from_the_day_after() -> None:
    deadline = approval_deadline(date(2027, 5, 14), 1, PLAIN)  # Tue 18 May
    assert not deadline.is_passed(date(2027, 5, 18))
    assert deadline.is_passed(date(2027, 5, 19))


def test_danish_long_date_keeps_the_month_name_lower_case() -> None:
    assert danish_long_date(date(2021, 8, 30)) == "30. august 2021"


# --- reminders ---------------------------------------------------------------------------

PENTECOST_POLICY = ReminderPolicy(
    first_reminder_days_before=2, second_on_deadline=True, escalate_days_after=3)


def test_reminder_schedule_around_pinse_2027() -> None:
    # deadline Tue 18 May: 2 days before skips 2. pinsedag and the weekend: 14, then 13 May;
    # escalation 3 days after: 19, 20, 21 May
    deadline = approval_deadline(date(2027, 5, 14), 1, PLAIN)
    assert reminder_schedule(deadline, PENTECOST_POLICY, PLAIN) == [
        ScheduledReminder("rykker_1", date(2027, 5, 13)),
        ScheduledReminder("rykker_2", date(2027, 5, 18)),
        ScheduledReminder("eskalering", date(2027, 5, 21)),
    ]


def test_reminder_schedule_without_a_second_reminder_over_new_year() -> None:
    policy = ReminderPolicy(first_reminder_days_before=3, second_on_deadline=False,
                            escalate_days_after=2)
    # deadline Mon 4 Jan 2027: back 31, 30, 29 Dec (offices: 30, 29, 28); forward 5, 6 Jan
    assert reminder_schedule(date(2027, 1, 4), policy, PLAIN) == [
        ("rykker_1", date(2026, 12, 29)), ("eskalering", date(2027, 1, 6))]
    assert reminder_schedule(date(2027, 1, 4), policy, OFFICE) == [
        ("rykker_1", date(2026, 12, 28)), ("eskalering", date(2027, 1, 6))]


def test_reminders_on_the_deadline_itself_when_the_policy_says_zero() -> None:
    policy = ReminderPolicy(first_reminder_days_before=0, second_on_deadline=True,
                            escalate_days_after=0)
    assert reminder_schedule(date(2027, 3, 30), policy, PLAIN) == [
        ("rykker_1", date(2027, 3, 30)), ("rykker_2", date(2027, 3, 30)),
        ("eskalering", date(2027, 3, 30))]


@pytest.mark.parametrize(("today", "levels"), [
    (date(2027, 5, 12), []),
    (date(2027, 5, 13), ["rykker_1"]),
    (date(2027, 5, 17), ["rykker_1"]),
    (date(2027, 5, 18), ["rykker_1", "rykker_2"]),
    (date(2027, 5, 20), ["rykker_1", "rykker_2"]),
    (date(2027, 5, 21), ["rykker_1", "rykker_2", "eskalering"]),
    (date(2027, 9, 1), ["rykker_1", "rykker_2", "eskalering"]),
])
def test_due_reminders_around_pinse_2027(today: date, levels: list[str]) -> None:
    assert due_reminders(today, date(2027, 5, 18), PENTECOST_POLICY, PLAIN) == levels


def test_a_reminder_policy_refuses_negative_days() -> None:
    with pytest.raises(ValueError, match="0 eller mere"):
        ReminderPolicy(first_reminder_days_before=-1, second_on_deadline=True,
                       escalate_days_after=2)


# --- properties, checked against the holidays package directly ---------------------------

_LIBRARY = holidays.Denmark(years=range(2024, 2032))
_OFFICE_DAYS = {(12, 24), (12, 31), (6, 5)}
calendars = st.sampled_from([PLAIN, OFFICE])
days_2024_2030 = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def _open(d: date, cal: BusinessCalendar) -> bool:
    """An independent oracle: weekday, no public holiday, no office closing day."""
    closed_office = cal == OFFICE and (d.month, d.day) in _OFFICE_DAYS
    return d.weekday() < 5 and d not in _LIBRARY and not closed_office


@given(start=days_2024_2030, n=st.integers(0, 60), cal=calendars)
def test_deadlines_never_fall_on_weekends_or_holidays(
        start: date, n: int, cal: BusinessCalendar) -> None:
    assert _open(approval_deadline(start, n, cal).date, cal)
    assert _open(agenda_send_deadline(start, n, cal).date, cal)


@given(start=days_2024_2030, n=st.integers(-60, 60), cal=calendars)
def test_counting_agrees_with_stepping(start: date, n: int, cal: BusinessCalendar) -> None:
    end = cal.add_business_days(start, n)
    assert cal.business_days_between(start, end) == n
    if n != 0:
        assert cal.is_business_day(end)
    if n > 0:
        assert approval_deadline(start, n, cal).date == end
        assert cal.business_days_between(start, approval_deadline(start, n, cal).date) == n


@given(a=days_2024_2030, length=st.integers(0, 90), cal=calendars)
def test_counting_matches_the_oracle(a: date, length: int, cal: BusinessCalendar) -> None:
    b = a + timedelta(days=length)
    expected = sum(1 for i in range(1, length + 1) if _open(a + timedelta(days=i), cal))
    assert cal.business_days_between(a, b) == expected
    if cal.is_business_day(b):
        assert cal.add_business_days(a, expected) == b


@given(deadline=days_2024_2030, first=st.integers(0, 15), second=st.booleans(),
       escalate=st.integers(0, 15), cal=calendars)
def test_reminders_are_on_open_days_in_order(deadline: date, first: int, second: bool,
                                             escalate: int, cal: BusinessCalendar) -> None:
    schedule = reminder_schedule(deadline, ReminderPolicy(first, second, escalate), cal)
    assert [r.level for r in schedule] == (
        ["rykker_1", "rykker_2", "eskalering"] if second else ["rykker_1", "eskalering"])
    assert all(_open(r.date, cal) for r in schedule)
    assert [r.date for r in schedule] == sorted(r.date for r in schedule)
