"""Bringing master-data tables in line with a version of the files, recording every change.

Rows with a key (regions, areas, bodies, rules) are updated in place; memberships keep their
history: a membership that changes from the effective day on is ended the day before, and a
new row starts (a row that had not begun yet ends the day before it would have begun, so it
stays on record but is valid on no day). Running the same files twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypeVar

from sqlmodel import Session, SQLModel, select

M = TypeVar("M", bound=SQLModel)
Action = Literal["added", "ended", "changed"]
ACTION_LABELS: dict[str, str] = {"added": "tilføjes", "ended": "ophører", "changed": "ændres"}
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Change:
    """One row added, ended or changed, described for a person."""

    action: Action
    what: str  # Danish: "medlemskab", "organ", "godkendelsesregel" ...
    label: str  # e.g. "Middelfart (410) i Sundhedsråd Fyn"
    valid_from: date | None
    valid_to: date | None
    detail: str = ""

    @property
    def period(self) -> str:
        start = self.valid_from.isoformat() if self.valid_from else "…"
        end = self.valid_to.isoformat() if self.valid_to else ""
        return f"{start}–{end}"


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)


class Sync:
    """Upserts rows by natural key, ends changed memberships, and lists what changed."""

    def __init__(self, session: Session, effective: date) -> None:
        self.session = session
        self.effective = effective
        self.changes: list[Change] = []

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def rows(self, model: type[M], key: tuple[str, ...], wanted: list[dict[str, Any]], *,
             what: str, label: Callable[[dict[str, Any]], str],
             end_missing: bool = False, prune: bool = False) -> dict[tuple[Any, ...], M]:
        existing = {tuple(getattr(r, k) for k in key): r
                    for r in self.session.exec(select(model)).all()}
        result: dict[tuple[Any, ...], M] = {}
        for values in wanted:
            k = tuple(values[f] for f in key)
            row = existing.pop(k, None)
            if row is None:
                row = model(**values)
                self.session.add(row)
                self._note("added", what, label(values), values)
            else:
                diffs = [f"{f}: {_fmt(getattr(row, f))} → {_fmt(v)}"
                         for f, v in values.items() if getattr(row, f) != v]
                if diffs:
                    for f, v in values.items():
                        setattr(row, f, v)
                    self._note("changed", what, label(values), values, "; ".join(diffs))
            result[k] = row
        for row in existing.values():
            if end_missing:
                self._end(row, what, label(row.model_dump()))
            elif prune:  # a statement without validity dates (a successor) is withdrawn
                self.session.delete(row)
                self.changes.append(Change("ended", what, label(row.model_dump()), None, None,
                                           "fjernes"))
        self.session.flush()
        return result

    def memberships(self, model: type[M], pair: tuple[str, str], wanted: list[dict[str, Any]],
                    *, what: str, label: Callable[[dict[str, Any]], str]) -> None:
        """Memberships per (member, group): unchanged rows stay, changed ones end and restart."""
        have: dict[tuple[Any, ...], list[M]] = {}
        for row in self.session.exec(select(model)).all():
            have.setdefault(tuple(getattr(row, f) for f in pair), []).append(row)
        want: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for values in wanted:
            want.setdefault(tuple(values[f] for f in pair), []).append(values)
        for k in sorted(set(have) | set(want), key=repr):
            rows, wanted_rows = have.get(k, []), want.get(k, [])
            if not have:  # an empty table: the files' history is taken as it is
                for w in wanted_rows:
                    self._add(model, w, what, label)
                continue
            self._replace(model, rows, wanted_rows, what, label)
        self.session.flush()

    def _replace(self, model: type[M], rows: list[M], values: list[dict[str, Any]],
                 what: str, label: Callable[[dict[str, Any]], str]) -> None:
        fields = list(values[0]) if values else []
        pending = [c for c in (self._clip(v) for v in values) if c is not None]
        for row in rows:
            current = self._clip(row.model_dump())
            if current is None:
                continue  # history before the effective day is never rewritten
            same = next((v for v in pending if all(v[f] == current[f] for f in fields)), None)
            if same is not None:
                pending.remove(same)
            else:
                self._end(row, what, label(row.model_dump()))
        for v in pending:
            self._add(model, v, what, label)

    def _clip(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """The part of a validity period from the effective day on (None: all before it)."""
        start = max(values["valid_from"], self.effective)
        end = values.get("valid_to")
        if end is not None and end < start:
            return None
        return {**values, "valid_from": start}

    def _add(self, model: type[M], values: dict[str, Any], what: str,
             label: Callable[[dict[str, Any]], str]) -> None:
        self.session.add(model(**values))
        self._note("added", what, label(values), values)

    def _end(self, row: Any, what: str, label: str) -> None:
        """End an effective-dated row the day before the effective day (or before it began)."""
        start = row.valid_from
        end = max(start, self.effective) - _DAY
        old_end = row.valid_to
        if old_end is not None and old_end <= end:
            return
        row.valid_to = end
        self.session.add(row)
        detail = (f"slutter {end} (var {old_end or 'uden slutdato'})" if end >= start
                  else f"træder aldrig i kraft (skulle have gældt fra {start})")
        self.changes.append(Change("ended", what, label, start, end, detail))

    def _note(self, action: Action, what: str, label: str, values: dict[str, Any],
              detail: str = "") -> None:
        self.changes.append(Change(action, what, label, values.get("valid_from"),
                                   values.get("valid_to"), detail))
