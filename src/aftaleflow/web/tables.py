"""The approval matrix grouped by region for the page; its cells are `reading.cells.cell_of`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

from aftaleflow.domain.machines import APPROVAL
from aftaleflow.services.agreements.cases import is_overdue
from aftaleflow.services.reading.cells import SEPARATOR, cell_of
from aftaleflow.services.reading.dashboard import UserInfo
from aftaleflow.services.views import AgreementLike, ApprovalLike
from aftaleflow.web.actions import decision_actions
from aftaleflow.web.render import short_party

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Party:
    key: str
    name: str
    short: str


@dataclass(frozen=True)
class RegionGroup:
    region: str
    parties: list[Party]
    rows: list[tuple[AgreementLike, Markup]]  # the agreement and its row's <td> cells


def _parties(agreements: Sequence[AgreementLike]) -> list[Party]:
    seen: dict[str, Party] = {}
    for view in agreements:
        for a in view.approvals:
            if a.body_key not in seen:
                seen[a.body_key] = Party(a.body_key, a.body, short_party(a.body, a.body_kind))
    return list(seen.values())


def _row(view: AgreementLike, parties: list[Party]) -> list[ApprovalLike | None]:
    by_key = {a.body_key: a for a in view.approvals}
    return [by_key.get(p.key) for p in parties]


def by_region(agreements: Sequence[AgreementLike], today: date,
              acting: set[tuple[int, str]]) -> list[RegionGroup]:
    regions: dict[str, list[AgreementLike]] = {}
    for view in agreements:
        regions.setdefault(view.region, []).append(view)
    groups = []
    for region, views in regions.items():
        parties = _parties(views)
        groups.append(RegionGroup(region, parties, [
            (v, row_html(v, _row(v, parties), parties, today, acting)) for v in views]))
    return groups


FINAL = {s.name: s.final for s in APPROVAL.states}


def late_parties(view: AgreementLike, today: date) -> list[ApprovalLike]:
    """The parties that make `agreements.is_overdue` true: past the deadline, undecided."""
    if not is_overdue(view, today):
        return []
    return [a for a in view.approvals
            if a.deadline is not None and a.deadline < today and not FINAL[a.state]]


def row_html(view: AgreementLike, cells: list[ApprovalLike | None], parties: list[Party],
             today: date, acting: set[tuple[int, str]]) -> Markup:
    """One matrix row's cells, built in Python: 23,000 cells in Jinja cost ~4× as much.

    Each cell is `cell_of`'s parts (its text content is the cell's text, as in the exports and
    `status`): the state and date, the deadline, the certainty mark with its source on hover.
    Each names its party (`data-part`), so that on a narrow screen the row becomes a list of
    parties with state and deadline (app.css)."""
    out = []
    for a, party in zip(cells, parties, strict=True):
        name = escape(party.short)
        if a is None:
            out.append(f'<td class="none" data-part="{name}"></td>')
            continue
        cell = cell_of(a, view.state)
        label = escape(cell.label)
        if (view.id, a.body_key) in acting:
            label = (f'<a href="/ui/aftaler/{view.id}/parter/{escape(a.body_key)}" aria-label="'
                     f'{label} – registrér beslutning for {escape(a.body)}">{label}</a>')
        html = [f'<td class="{a.state}{" overdue" if cell.late else ""}" data-part="{name}">',
                label]
        if cell.when:
            html.append(f'<span class="when"> {cell.when}</span>')
        if cell.deadline:
            tag = "strong" if cell.late else "span"
            html.append(f'<{tag} class="due">{_SEP}{escape(cell.deadline)}</{tag}>')
        if cell.mark:
            html.append(f'<span class="uncertain" title="{escape(cell.source)}">{_SEP}'
                        f'{cell.mark}<span class="source">: {escape(cell.source)}</span></span>'
                        if cell.source else f'<span class="uncertain">{_SEP}{cell.mark}</span>')
        out.append("".join(html) + "</td>")
    return Markup("".join(out))


_SEP = f'<span class="sep">{SEPARATOR}</span>'


def acting_parties(user: UserInfo, agreements: Sequence[AgreementLike]) -> set[tuple[int, str]]:
    """(agreement id, body key) of the cells where this user has a decision to record."""
    return {(v.id, a.body_key) for v in agreements if v.state == "i_godkendelse"
            for a in v.approvals if decision_actions(user, v, a)}
