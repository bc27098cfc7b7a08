"""Deadline policy read from data: approval deadlines, reminder levels, agenda deadlines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from aftaleflow.domain.calendar import (
    BusinessCalendar,
    Deadline,
    ReminderPolicy,
    agenda_send_deadline,
    approval_deadline,
    danish_long_date,
)
from aftaleflow.domain.errors import ValidationFailed

POLICY_FILE = Path(__file__).resolve().parents[1] / "masterdata" / "deadlines.yaml"


@dataclass(frozen=True)
class DeadlinePolicy:
    calendar: BusinessCalendar
    reminders: ReminderPolicy
    approval_default: int
    approval_by_kind: dict[str, int] = field(default_factory=dict)
    approval_by_body_kind: dict[str, int] = field(default_factory=dict)
    agenda_default: int = 4
    agenda_by_body_kind: dict[str, int] = field(default_factory=dict)

    def approval_days(self, agreement_kind: str, body_kind: str) -> int:
        """A body's own rule wins over the agreement kind's, which wins over the default."""
        return self.approval_by_body_kind.get(
            body_kind, self.approval_by_kind.get(agreement_kind, self.approval_default))

    def approval_deadline(self, start: date, agreement_kind: str, body_kind: str) -> Deadline:
        return approval_deadline(start, self.approval_days(agreement_kind, body_kind),
                                 self.calendar)

    def approval_rule_text(self, agreement_kind: str, body_kind: str, fixed: bool = False
                           ) -> str:
        """The rule behind a party's deadline in Danish, printed next to the deadline."""
        if fixed:
            return f"fast frist sat på aftalen; {self.calendar.rule_text()}"
        days = self.approval_days(agreement_kind, body_kind)
        return f"{days} hverdage fra rundens start; {self.calendar.rule_text()}"

    def agenda_deadline(self, meeting_day: date, body_kind: str) -> Deadline:
        days = self.agenda_by_body_kind.get(body_kind, self.agenda_default)
        return agenda_send_deadline(meeting_day, days, self.calendar)


def fixed_deadline_of_round(deadline: date | None, given_for: int | None, round_no: int
                            ) -> date | None:
    """An agreement's fixed deadline applies to the round it was given for, and no other."""
    return deadline if deadline is not None and given_for == round_no else None


def refuse_past_deadline(deadline: date, today: date, round_no: int) -> None:
    """A round never starts (and an agreement is never given) a deadline already past."""
    if deadline < today:
        raise ValidationFailed(
            f"Fristen {danish_long_date(deadline)} for godkendelsesrunde {round_no} er "
            f"allerede overskredet (i dag er {danish_long_date(today)}); en runde kan ikke "
            "starte med en frist i fortiden. Angiv en ny frist for runden (ÅÅÅÅ-MM-DD), eller "
            "lad fristreglen beregne den fra rundens start. Intet er ændret.")


def parse(raw: dict[str, Any]) -> DeadlinePolicy:
    r = raw["reminders"]
    return DeadlinePolicy(
        calendar=BusinessCalendar.from_preset(raw.get("closing_days", "helligdage")),
        reminders=ReminderPolicy(first_reminder_days_before=int(r["first_reminder_days_before"]),
                                 second_on_deadline=bool(r["second_on_deadline"]),
                                 escalate_days_after=int(r["escalate_days_after"])),
        approval_default=int(raw["approval"]["default"]),
        approval_by_kind=dict(raw["approval"].get("by_agreement_kind") or {}),
        approval_by_body_kind=dict(raw["approval"].get("by_body_kind") or {}),
        agenda_default=int(raw["agenda"]["default"]),
        agenda_by_body_kind=dict(raw["agenda"].get("by_body_kind") or {}),
    )


@lru_cache(maxsize=4)
def load_policy(path: Path = POLICY_FILE) -> DeadlinePolicy:
    import yaml  # imported here: only a command that shows or counts a deadline loads it

    # libyaml's safe loader where PyYAML has it (C; the same safe subset of YAML)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse(yaml.load(path.read_text(encoding="utf-8"), Loader=loader))
