"""Who takes over when a region, area or body ceases, read from master data on a date.

Pure data and rules: the service layer loads the `Succession` rows and the rows that cease;
this module answers "who succeeds X on day D?" and words the Danish messages. Nothing about a
particular year is written here: the dates come from the data files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aftaleflow.domain.errors import ValidationFailed

CARRY_OVER_COMMAND = "aftaleflow structure carry-over --on {on}"


@dataclass(frozen=True)
class SuccessionLine:
    entity: str  # region | area | body
    predecessor: str
    successor: str | None  # None: ceases without a successor
    valid_from: date
    confirmed: bool
    source: str


@dataclass(frozen=True)
class Successions:
    """Every succession line, looked up by (entity, predecessor key)."""

    lines: tuple[SuccessionLine, ...]

    def successors(self, entity: str, key: str, on: date) -> list[str] | None:
        """Successor keys in data order on `on`; [] = none; None = no succession recorded."""
        found = [ln for ln in self.lines
                 if ln.entity == entity and ln.predecessor == key and ln.valid_from <= on]
        if not found:
            return None
        return [ln.successor for ln in found if ln.successor is not None]

    def confirmed(self, entity: str, key: str) -> bool:
        return all(ln.confirmed for ln in self.lines
                   if ln.entity == entity and ln.predecessor == key)


def is_valid(row: Any, on: date) -> bool:
    """Whether a master-data row (region, area, body: `valid_from`, `valid_to`) is valid on
    the day."""
    valid_from: date = row.valid_from
    valid_to: date | None = row.valid_to
    return valid_from <= on and (valid_to is None or valid_to >= on)


def ceased(valid_to: date | None, on: date) -> bool:
    """A row with `valid_to` before `on` no longer exists on `on`."""
    return valid_to is not None and valid_to < on


def day_text(day: date) -> str:
    return day.isoformat()


def ceased_text(name: str, valid_to: date | None, successors: list[str]) -> str:
    """E.g. 'Region Hovedstaden ophørte 2026-12-31, efterfølger Region Østdanmark'."""
    ended = f"{name} ophørte {valid_to.isoformat()}" if valid_to else f"{name} er ophørt"
    if not successors:
        return f"{ended} uden efterfølger"
    word = "efterfølger" if len(successors) == 1 else "efterfølgere"
    return f"{ended}, {word} {' og '.join(successors)}"


def carry_over_hint(valid_to: date) -> str:
    """The command that moves cases to the successors, for the day after `valid_to`."""
    return CARRY_OVER_COMMAND.format(on=date.fromordinal(valid_to.toordinal() + 1).isoformat())


def refuse_after_cessation(what: str, name: str, valid_to: date, successors: list[str], *,
                           carry_over_moves_it: bool = True) -> None:
    """Refuse `what` (e.g. a decision) because `name` ceased: name successor and the way on.

    The carry-over command is named only while running it would move this case; after it has
    run (or where it moves nothing) the message names who carries the case on instead.
    """
    if not successors:
        forward = "Der er ingen efterfølger i stamdata; ret stamdata eller træk sagen tilbage."
    elif carry_over_moves_it:
        forward = (f"Sagen skal videre til efterfølgeren; kør overførslen "
                   f"({carry_over_hint(valid_to)}).")
    else:
        forward = f"Sagen føres videre af {' og '.join(successors)}."
    raise ValidationFailed(f"{what}: {ceased_text(name, valid_to, successors)}. {forward}")


def refuse_decision_after_cessation(body: str, valid_to: date | None, day: date,
                                    successors: list[str], *,
                                    carry_over_moves_it: bool = True) -> None:
    """A body cannot decide after it ceased: name the successor and the way forward."""
    if valid_to is None or not ceased(valid_to, day):
        return
    refuse_after_cessation(f"En beslutning dateret {day.isoformat()} kan ikke registreres for "
                           f"{body}", body, valid_to, successors,
                           carry_over_moves_it=carry_over_moves_it)


def refuse_in_ended_implementation(area: str, ended_on: date,
                                   continued: list[tuple[str, str]]) -> None:
    """Implementation recorded in a cluster whose implementation the carry-over has ended."""
    where = " og ".join(f"{name} ({key})" for key, name in continued) or "ingen efterfølger"
    raise ValidationFailed(
        f"Implementering kan ikke registreres i {area}: klyngen ophørte "
        f"{ended_on.isoformat()}, og implementeringen er afsluttet og videreført i {where}. "
        f"Registrér implementeringen dér.")


IMPLEMENTATION_ORDER = ("ikke_startet", "i_gang", "implementeret")
IMPLEMENTATION_WORDS = {"ikke_startet": "ikke startet", "i_gang": "i gang",
                        "implementeret": "implementeret"}


def successor_state(states: list[str]) -> str:
    """The state of an implementation that continues one or more ended ones in a new area.

    The rule (README, "Strukturændringen 1. januar 2027"): if every predecessor had reached the
    same state, the successor has it too; if they differ and at least one had started, the
    successor is "i gang" (part of the area has begun or finished, the rest has not); if none
    had started, "ikke startet". A merge never makes a finished area look unstarted, and never
    makes an unfinished area look finished.
    """
    distinct = set(states)
    if len(distinct) == 1:
        return states[0]
    return "i_gang" if distinct - {"ikke_startet"} else "ikke_startet"


def short_date(day: date) -> str:
    """10.12.2026: the short Danish date used in a case's lines."""
    return day.strftime("%d.%m.%Y")


def reached_text(area: str, state: str, started_on: date | None,
                 completed_on: date | None) -> str:
    """What an implementation had reached, e.g. 'Sundhedsklynge SUH: implementeret 10.12.2026'."""
    day = completed_on if state == "implementeret" else started_on if state == "i_gang" else None
    when = f" {short_date(day)}" if day else ""
    return f"{area}: {IMPLEMENTATION_WORDS.get(state, state)}{when}"


# -- the carry-over report: plain data, shared by CLI, API, flow mail and dashboard --------
@dataclass(frozen=True)
class Change:
    """One line of a case: what moves from an old to a new region, body or area."""

    what: str  # region | godkendelse | implementering | hjemområde
    entity_id: int
    old: str
    new: list[str]
    note: str = ""

    def text(self) -> str:
        target = " og ".join(self.new) if self.new else "ingen efterfølger (uændret)"
        labels = {"region": "Region", "godkendelse": "Afventende godkendelse",
                  "implementering": "Implementering", "hjemområde": "Aftalens område"}
        note = f" ({self.note})" if self.note else ""
        return f"{labels.get(self.what, self.what)}: {self.old} → {target}{note}"


@dataclass(frozen=True)
class CaseCarryOver:
    agreement_id: int
    title: str
    state_label: str
    region: str
    changes: list[Change] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # decisions already taken, kept as taken
    unresolved: list[str] = field(default_factory=list)  # ceased without a successor in data
    applied: bool = False


@dataclass(frozen=True)
class CarryOverReport:
    on: date
    dry_run: bool
    cases: list[CaseCarryOver]

    @property
    def changes(self) -> int:
        return sum(len(c.changes) for c in self.cases)

    def lines(self) -> list[str]:
        """The report in Danish, as printed by the CLI and mailed to the manager."""
        mode = "Forhåndsvisning (intet ændret)" if self.dry_run else "Udført"
        out = [f"Overførsel til strukturen pr. {self.on.isoformat()} — {mode}",
               f"{len(self.cases)} åbne sager berøres, {self.changes} ændringer.", ""]
        for case in self.cases:
            out.append(f"#{case.agreement_id} {case.title} ({case.region}, {case.state_label})")
            out.extend(f"    {c.text()}" for c in case.changes)
            out.extend(f"    Beslutning bevares: {k}" for k in case.kept)
            out.extend(f"    Uafklaret: {u}" for u in case.unresolved)
        if not self.cases:
            out.append("Ingen åbne sager berøres; intet at overføre.")
        return out
