"""Loading master data into the database (idempotently) and reading it as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, or_, select

from aftaleflow.db import create_schema
from aftaleflow.domain.model import (
    ApprovalRule,
    Body,
    Cluster,
    ClusterMembership,
    MasterDataLoad,
    Municipality,
    Region,
    RegionMembership,
)
from aftaleflow.domain.rounds import GovernanceSnapshot, RoundRule
from aftaleflow.domain.validation import clean_text
from aftaleflow.masterdata import files
from aftaleflow.services.uow import ServiceContext, UnitOfWork

M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    removed: int
    digest: str

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def _name(value: Any, field: str) -> str:
    """A name from the files through the same text check as every other input."""
    return clean_text(str(value), field, max_len=300, required=True, single_line=True)


def _d(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class _Sync:
    """Upserts rows by natural key and counts what really changed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.created = self.updated = self.removed = 0

    def rows(self, model: type[M], key: tuple[str, ...], wanted: list[dict[str, Any]],
             *, prune: bool = False) -> dict[tuple[Any, ...], M]:
        existing = {tuple(getattr(r, k) for k in key): r
                    for r in self.session.exec(select(model)).all()}
        result: dict[tuple[Any, ...], M] = {}
        for values in wanted:
            k = tuple(values[f] for f in key)
            row = existing.pop(k, None)
            if row is None:
                row = model(**values)
                self.session.add(row)
                self.created += 1
            elif any(getattr(row, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(row, f, v)
                self.updated += 1
            result[k] = row
        if prune:
            for row in existing.values():
                self.session.delete(row)
                self.removed += 1
        self.session.flush()
        return result


def load_master_data(ctx: ServiceContext, directory: Path | None = None) -> LoadReport:
    """Create the schema and bring master data in line with the files; twice changes nothing."""
    ctx.authorize("masterdata.admin")
    create_schema(ctx.engine)
    data = files.read(directory or files.PACKAGE_DIR)
    with UnitOfWork(ctx) as uow:
        sync = _Sync(uow.session)
        regions = sync.rows(Region, ("key",), [
            {"key": r["key"], "name": _name(r["name"], "regionsnavn"), "code": r["code"],
             "note": r.get("note"),
             "valid_from": _d(r["valid_from"]), "valid_to": _d(r["valid_to"])}
            for r in data.regions])
        region_id = {k[0]: r.id for k, r in regions.items()}
        munis = sync.rows(Municipality, ("code",), [
            {"code": m["code"], "name": _name(m["name"], "kommunenavn")}
            for m in data.municipalities])
        muni_id = {k[0]: m.id for k, m in munis.items()}
        sync.rows(RegionMembership, ("municipality_id", "region_id", "valid_from"), [
            {"municipality_id": muni_id[m["code"]], "region_id": region_id[rm["region"]],
             "valid_from": _d(rm["valid_from"]), "valid_to": _d(rm["valid_to"])}
            for m in data.municipalities for rm in m["regions"]], prune=True)
        areas = sync.rows(Cluster, ("key",), [
            {"key": a["key"], "name": _name(a["name"], "klyngenavn"), "kind": a["kind"],
             "region_id": region_id[a["region"]], "acute_hospital": a.get("acute_hospital"),
             "valid_from": _d(a["valid_from"]), "valid_to": _d(a["valid_to"])}
            for a in data.areas])
        area_id = {k[0]: a.id for k, a in areas.items()}
        sync.rows(ClusterMembership, ("cluster_id", "municipality_id", "valid_from"), [
            {"cluster_id": area_id[a["key"]], "municipality_id": muni_id[m["municipality"]],
             "valid_from": _d(m.get("valid_from", a["valid_from"])),
             "valid_to": _d(m.get("valid_to", a["valid_to"])),
             "confidence": m["confidence"], "source": m["source"]}
            for a in data.areas for m in a["members"]], prune=True)
        sync.rows(Body, ("key",), [
            {"key": b["key"], "name": _name(b["name"], "organnavn"), "kind": b["kind"],
             "region_id": region_id.get(b.get("region", "")),
             "municipality_id": muni_id.get(b.get("municipality", "")),
             "cluster_id": area_id.get(b.get("cluster", "")),
             "email": b.get("email"),
             "valid_from": _d(b["valid_from"]), "valid_to": _d(b["valid_to"])}
            for b in data.bodies])
        sync.rows(ApprovalRule, ("kind", "valid_from"), [
            {"kind": r["kind"], "valid_from": _d(r["valid_from"]), "valid_to": _d(r["valid_to"]),
             "approvers": ",".join(r["approvers"]), "implementers": r["implementers"],
             "area_kind": r["area_kind"], "confirmed": bool(r["confirmed"]),
             "source": r["source"]}
            for r in data.rules], prune=True)
        report = LoadReport(sync.created, sync.updated, sync.removed, data.digest)
        if report.changed:
            uow.session.add(MasterDataLoad(digest=data.digest, loaded_at=uow.now))
            uow.record(entity="stamdata", entity_id=None, trigger="indlaes_stamdata",
                       from_state=None, to_state=None,
                       comment=f"{report.created} oprettet, {report.updated} ændret, "
                               f"{report.removed} fjernet (sha256 {data.digest[:12]})")
        uow.commit()
    return report


def valid_on(model: Any, on: date) -> Any:
    return (col(model.valid_from) <= on) & or_(col(model.valid_to).is_(None),
                                               col(model.valid_to) >= on)


def snapshot(session: Session, on: date) -> GovernanceSnapshot:
    """The governance structure valid on one day, as plain data for `domain.rounds`."""
    regions = {r.id: r.key for r in session.exec(select(Region).where(valid_on(Region, on)))}
    region_members: dict[str, list[int]] = {}
    for rm in session.exec(select(RegionMembership).where(valid_on(RegionMembership, on))):
        if rm.region_id in regions:
            region_members.setdefault(regions[rm.region_id], []).append(rm.municipality_id)
    areas = {a.id: a for a in session.exec(select(Cluster).where(valid_on(Cluster, on)))}
    area_members: dict[str, list[int]] = {}
    for cm in session.exec(select(ClusterMembership).where(valid_on(ClusterMembership, on))):
        if cm.cluster_id in areas:
            area_members.setdefault(areas[cm.cluster_id].key, []).append(cm.municipality_id)
    councils: dict[int, int] = {}
    regional_councils: dict[str, int] = {}
    for b in session.exec(select(Body).where(valid_on(Body, on),
                                             col(Body.kind).in_(["kommunalbestyrelse",
                                                                 "regionsraad"]))):
        assert b.id is not None
        if b.kind == "kommunalbestyrelse" and b.municipality_id is not None:
            councils[b.municipality_id] = b.id
        elif b.region_id in regions:
            regional_councils[regions[b.region_id]] = b.id
    rules = {r.kind: RoundRule(kind=r.kind, approvers=tuple(r.approvers.split(",")),
                               implementers=r.implementers, area_kind=r.area_kind,
                               confirmed=r.confirmed)
             for r in session.exec(select(ApprovalRule).where(valid_on(ApprovalRule, on)))}
    return GovernanceSnapshot(
        on=on,
        region_municipalities=region_members,
        area_municipalities=area_members,
        areas_by_region={
            key: [(a.key, a.kind) for a in areas.values() if regions.get(a.region_id) == key]
            for key in regions.values()
        },
        council_of_municipality=councils,
        regional_council=regional_councils,
        rules=rules,
    )
