"""One cell of the approval matrix, worded once for every adapter.

A party's cell says its state with the decision date (or the meeting date), the deadline while
the round runs and the party has not decided ("frist 18.06.2026", or "over fristen
18.06.2026"), and the certainty mark of a party asked on data that is not confirmed
("foreløbig" or "omstridt") with its source. `aftaleflow status`, `status --json` and
`GET /status` (each approval's `cell`), the CSV and XLSX exports and the dashboard's matrix all
show `cell_of(...)`; a body that is not a party to an agreement has an empty cell.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from aftaleflow.domain.machines import APPROVAL
from aftaleflow.services.views import CERTAINTY_LABELS, ApprovalLike, ApprovalView

_FINAL = frozenset(s.name for s in APPROVAL.states if s.final)
SEPARATOR = " · "


class Cell(NamedTuple):
    """The parts of a cell; `text` is the whole cell on one line."""

    label: str  # the state: "Godkendt"
    when: str  # the decision date, or the meeting date: "20.04.2026"
    deadline: str  # "frist 18.06.2026" | "over fristen 18.06.2026" | ""
    late: bool
    mark: str  # "foreløbig" | "omstridt" | ""
    source: str  # where the uncertainty comes from, in Danish

    @property
    def state(self) -> str:
        return f"{self.label} {self.when}" if self.when else self.label

    @property
    def certainty(self) -> str:
        return f"{self.mark}: {self.source}" if self.mark and self.source else self.mark

    @property
    def text(self) -> str:
        return SEPARATOR.join(p for p in (self.state, self.deadline, self.certainty) if p)


EMPTY = Cell("", "", "", False, "", "")
"""The cell of a body that is not a party to the agreement."""


def _dmy(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def cell_of(approval: ApprovalLike | None, agreement_state: str) -> Cell:
    """The cell of one party in an agreement in `agreement_state` (None: not a party)."""
    if approval is None:
        return EMPTY
    running = agreement_state == "i_godkendelse" and approval.state not in _FINAL
    deadline, late = "", False
    if running and approval.deadline is not None:
        late = approval.past_deadline
        deadline = f"{'over fristen' if late else 'frist'} {_dmy(approval.deadline)}"
    return Cell(approval.state_label, _dmy(approval.decided_on or approval.meeting_date),
                deadline, late, CERTAINTY_LABELS.get(approval.certainty or "", ""),
                approval.certainty_source or "" if approval.certainty else "")


def with_cell(approval: ApprovalView, agreement_state: str) -> ApprovalView:
    """The approval view with its matrix cell's text (`cell` in the JSON).

    A copy of the frozen view's fields with `cell` set, as `dataclasses.replace` makes it
    but without a keyword call of `__init__` over its 19 fields (12 µs against 2 µs; every
    cell of the status matrix and of each decision's answer passes here)."""
    new = object.__new__(ApprovalView)
    fields = new.__dict__
    fields.update(approval.__dict__)
    fields["cell"] = cell_of(approval, agreement_state).text
    return new
