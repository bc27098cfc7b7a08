"""Importing a new version of the master-data files, with a preview of what it changes.

The preview runs the very same import inside the transaction and rolls it back, so what it
prints is exactly what the real import does. It also lists the open cases whose parties or
implementing areas would differ on the days the new version changes something.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.model import KIND_LABELS, Agreement, Body, Cluster, Region
from aftaleflow.domain.rounds import GovernanceSnapshot, approving_bodies, implementing_areas
from aftaleflow.masterdata import files
from aftaleflow.masterdata.schema import MasterDataInvalid
from aftaleflow.services.agreements.lifecycle import named_parties
from aftaleflow.services.structure.masterdata import snapshot, sync_master_data
from aftaleflow.services.structure.masterdata_sync import ACTION_LABELS, Change
from aftaleflow.services.uow import ServiceContext, UnitOfWork

Plan = tuple[frozenset[int], frozenset[str]]  # approving body ids, implementing area keys


@dataclass(frozen=True)
class TouchedCase:
    """An open case whose parties or areas the new version changes, on one day."""

    agreement_id: int
    title: str
    kind_label: str
    state_label: str
    on: date
    parties_added: list[str] = field(default_factory=list)
    parties_removed: list[str] = field(default_factory=list)
    areas_added: list[str] = field(default_factory=list)
    areas_removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    dry_run: bool
    effective: date
    digest: str
    changes: list[Change]
    touched: list[TouchedCase]

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]


def import_master_data(ctx: ServiceContext, sources: Mapping[str, bytes], *,
                       dry_run: bool, effective: date | None = None) -> ImportReport:
    """Validate the files, then preview (roll back) or load them with one audit event."""
    ctx.authorize("masterdata.admin")
    today = ctx.now().date()
    early = [f"Ændringer kan tidligst gælde fra i dag ({today}); historikken før i dag ændres "
             "ikke."] if effective is not None and effective < today else []
    try:  # a broken file stops here, before any database work, with every problem named
        data = files.parse(sources)
    except MasterDataInvalid as exc:
        raise MasterDataInvalid(exc.problems + early) from None
    if early:
        raise ValidationFailed(early[0])
    with UnitOfWork(ctx) as uow:
        day = effective or uow.now.date()
        cases = _open_cases(uow.session)
        days = _days_to_check(data, day)
        before = {d: _plans(uow.session, snapshot(uow.session, d), cases) for d in days}
        report = sync_master_data(uow, data, day, note=_summary(data.digest, dry_run))
        after = {d: _plans(uow.session, snapshot(uow.session, d), cases) for d in days}
        touched = _touched(uow.session, cases, days, before, after)
        if not dry_run:
            uow.commit()
    return ImportReport(dry_run=dry_run, effective=day, digest=data.digest,
                        changes=report.changes, touched=touched)


def _summary(digest: str, dry_run: bool) -> str:
    return "prøvekørsel" if dry_run else f"importeret version sha256 {digest[:12]}"


def _open_cases(session: Session) -> list[Agreement]:
    final = [s.name for s in AGREEMENT.states if s.final]
    return list(session.exec(select(Agreement).where(col(Agreement.state).not_in(final))
                             .order_by(col(Agreement.id))).all())


def _days_to_check(data: files.MasterData, effective: date) -> list[date]:
    """The effective day and every later day on which the files start or end something."""
    days = {effective}
    rows = [*data.regions, *data.areas, *data.bodies, *data.rules,
            *(rm for m in data.municipalities for rm in m["regions"]),
            *(m for a in data.areas for m in a["members"])]
    for row in rows:
        for d in (row.get("valid_from"), row.get("valid_to") and
                  row["valid_to"] + timedelta(days=1)):
            if d is not None and d > effective:
                days.add(d)
    return sorted(days)


def _plans(session: Session, snap: GovernanceSnapshot, cases: list[Agreement]
           ) -> dict[int, Plan]:
    plans: dict[int, Plan] = {}
    for a in cases:
        region = session.get(Region, a.region_id)
        area = session.get(Cluster, a.origin_cluster_id) if a.origin_cluster_id else None
        assert region is not None and a.id is not None
        named = named_parties(session, a)
        try:
            bodies = approving_bodies(snap, a.kind, region.key, area.key if area else None,
                                      named)
            areas = implementing_areas(snap, a.kind, region.key, area.key if area else None,
                                       named)
        except ValidationFailed:
            bodies, areas = [], []
        plans[a.id] = (frozenset(bodies), frozenset(areas))
    return plans


def _touched(session: Session, cases: list[Agreement], days: list[date],
             before: dict[date, dict[int, Plan]], after: dict[date, dict[int, Plan]]
             ) -> list[TouchedCase]:
    body_names = {b.id: b.name for b in session.exec(select(Body))}
    area_names = {c.key: c.name for c in session.exec(select(Cluster))}
    touched: list[TouchedCase] = []
    for a in cases:
        assert a.id is not None
        for d in days:
            (b0, a0), (b1, a1) = before[d][a.id], after[d][a.id]
            if (b0, a0) == (b1, a1):
                continue
            touched.append(TouchedCase(
                agreement_id=a.id, title=a.title, kind_label=KIND_LABELS.get(a.kind, a.kind),
                state_label=AGREEMENT.label_of(a.state), on=d,
                parties_added=sorted(body_names.get(b, str(b)) for b in b1 - b0),
                parties_removed=sorted(body_names.get(b, str(b)) for b in b0 - b1),
                areas_added=sorted(area_names.get(k, k) for k in a1 - a0),
                areas_removed=sorted(area_names.get(k, k) for k in a0 - a1)))
            break  # the first day it differs is the one the case handler needs
    return touched


def change_line(change: Change) -> str:
    """One change as a Danish line: what, which row, its validity or what happens to it."""
    if change.action == "added":
        return f"{change.what} {change.label}, gyldig {change.period}"
    return f"{change.what} {change.label}: {change.detail}"


def touched_line(case: TouchedCase) -> str:
    parts = [f"+ {p}" for p in case.parties_added] + [f"− {p}" for p in case.parties_removed]
    parts += [f"+ {a} (implementering)" for a in case.areas_added]
    parts += [f"− {a} (implementering)" for a in case.areas_removed]
    return (f"#{case.agreement_id} {case.title} ({case.kind_label}, {case.state_label}), "
            f"fra {case.on}: {'; '.join(parts)}")


SECTION_TITLES = {action: label.capitalize() for action, label in ACTION_LABELS.items()}
