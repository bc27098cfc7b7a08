"""Rows for the managers' status report, worked out here so the template only prints.

Peers' trackers teach that "approved by the SSU" must not read as final: each agreement shows
N of M approvals and every party's own state, and what is overdue is listed on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from aftaleflow.documents.viewmodels import (
    AgreementStatusView,
    PartyStatusView,
    StatusReportView,
)

COLUMNS_PER_TABLE = 14
"""Parties per matrix table; a landscape A4 page holds about this many readable columns."""


@dataclass(frozen=True)
class ReportRow:
    """One agreement with its parties by name and its counts."""

    agreement: AgreementStatusView
    cells: Mapping[str, PartyStatusView]
    approved: int
    total: int
    overdue: int


@dataclass(frozen=True)
class OverdueEntry:
    """One party past its deadline on one agreement."""

    agreement: str
    party: PartyStatusView
    days: int | None


def report_rows(report: StatusReportView) -> list[ReportRow]:
    """Each agreement with its parties keyed by name and its approval counts."""
    return [
        ReportRow(
            agreement=agreement,
            cells={party.name: party for party in agreement.parties},
            approved=sum(party.approved for party in agreement.parties),
            total=len(agreement.parties),
            overdue=sum(party.overdue for party in agreement.parties),
        )
        for agreement in report.agreements
    ]


def party_columns(report: StatusReportView) -> list[str]:
    """Every party that appears in any agreement, in first-seen order."""
    seen: dict[str, None] = {}
    for agreement in report.agreements:
        for party in agreement.parties:
            seen.setdefault(party.name, None)
    return list(seen)


def column_groups(columns: Sequence[str], size: int = COLUMNS_PER_TABLE) -> list[list[str]]:
    """The matrix split into tables narrow enough for a page."""
    return [list(columns[i:i + size]) for i in range(0, len(columns), size)] or [[]]


def overdue_entries(report: StatusReportView) -> list[OverdueEntry]:
    """Overdue parties across agreements, the longest overdue first."""
    entries = [
        OverdueEntry(agreement.title, party, _days_over(party.deadline, report.date))
        for agreement in report.agreements
        for party in agreement.parties
        if party.overdue
    ]
    return sorted(entries, key=lambda e: (-(e.days or 0), e.agreement, e.party.name))


def _days_over(deadline: date | None, today: date) -> int | None:
    return (today - deadline).days if deadline else None
