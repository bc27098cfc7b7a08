"""Loading master data into the database (idempotently) and reading it as of a date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, or_, select

from aftaleflow.db import create_schema
from aftaleflow.domain.model import (
    KIND_LABELS,
    ApprovalRule,
    Body,
    Cluster,
    ClusterMembership,
    MasterDataLoad,
    Municipality,
    Region,
    RegionMembership,
    Succession,
)
from aftaleflow.domain.rounds import GovernanceSnapshot, RoundRule
from aftaleflow.masterdata import files
from aftaleflow.services.masterdata_sync import Change, Sync
from aftaleflow.services.uow import ServiceContext, UnitOfWork

CONFIDENCE_LABELS = {"confirmed": "bekræftet", "probable": "foreløbig", "disputed": "omstridt"}


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    ended: int
    digest: str
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _d(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_master_data(ctx: ServiceContext, directory: Path | None = None) -> LoadReport:
    """Create the schema and bring master data in line with the files; twice changes nothing."""
    ctx.authorize("masterdata.admin")
    create_schema(ctx.engine)
    data = files.read(directory or files.PACKAGE_DIR)
    with UnitOfWork(ctx) as uow:
        report = sync_master_data(uow, data)
        uow.commit()
    return report


def sync_master_data(uow: UnitOfWork, data: files.MasterData,
                     effective: date | None = None, note: str = "") -> LoadReport:
    """Apply one validated version of the files inside `uow`; the caller commits or not.

    Changes take effect from `effective` (default: today); history before it stays as it was.
    """
    sync = Sync(uow.session, effective or uow.now.date())
    regions = sync.rows(Region, ("key",), [
        {"key": r["key"], "name": r["name"], "code": r.get("code"), "note": r.get("note"),
         "valid_from": _d(r["valid_from"]), "valid_to": _d(r.get("valid_to"))}
        for r in data.regions], what="region", label=lambda v: v["name"])
    region_id = {k[0]: r.id for k, r in regions.items()}
    region_name = {r.id: r.name for r in regions.values()}
    munis = sync.rows(Municipality, ("code",), [
        {"code": m["code"], "name": m["name"]} for m in data.municipalities],
        what="kommune", label=lambda v: f"{v['name']} ({v['code']})")
    muni_id = {k[0]: m.id for k, m in munis.items()}
    muni_name = {m.id: f"{m.name} ({m.code})" for m in munis.values()}
    sync.memberships(RegionMembership, ("municipality_id", "region_id"), [
        {"municipality_id": muni_id[m["code"]], "region_id": region_id[rm["region"]],
         "valid_from": _d(rm["valid_from"]), "valid_to": _d(rm.get("valid_to"))}
        for m in data.municipalities for rm in m["regions"]], what="regionsmedlemskab",
        label=lambda v: f"{muni_name[v['municipality_id']]} i {region_name[v['region_id']]}")
    areas = sync.rows(Cluster, ("key",), [
        {"key": a["key"], "name": a["name"], "kind": a["kind"],
         "region_id": region_id[a["region"]], "acute_hospital": a.get("acute_hospital"),
         "valid_from": _d(a["valid_from"]), "valid_to": _d(a.get("valid_to"))}
        for a in data.areas], what="klynge/sundhedsråd", label=lambda v: v["name"])
    area_id = {k[0]: a.id for k, a in areas.items()}
    area_name = {a.id: a.name for a in areas.values()}
    sync.memberships(ClusterMembership, ("municipality_id", "cluster_id"), [
        {"cluster_id": area_id[a["key"]], "municipality_id": muni_id[m["municipality"]],
         "valid_from": _d(m.get("valid_from") or a["valid_from"]),
         "valid_to": _d(m["valid_to"] if "valid_to" in m else a.get("valid_to")),
         "confidence": m["confidence"], "source": m["source"]}
        for a in data.areas for m in a["members"]], what="medlemskab",
        label=lambda v: (f"{muni_name[v['municipality_id']]} i {area_name[v['cluster_id']]}"
                         f" ({CONFIDENCE_LABELS.get(v['confidence'], v['confidence'])})"))
    sync.rows(Body, ("key",), [
        {"key": b["key"], "name": b["name"], "kind": b["kind"],
         "region_id": region_id.get(b.get("region", "")),
         "municipality_id": muni_id.get(b.get("municipality", "")),
         "cluster_id": area_id.get(b.get("cluster", "")),
         "email": b.get("email"),
         "valid_from": _d(b["valid_from"]), "valid_to": _d(b.get("valid_to"))}
        for b in data.bodies], what="organ", label=lambda v: v["name"])
    sync.rows(ApprovalRule, ("kind", "valid_from"), [
        {"kind": r["kind"], "valid_from": _d(r["valid_from"]), "valid_to": _d(r.get("valid_to")),
         "approvers": ",".join(r["approvers"]), "implementers": r["implementers"],
         "forum": r.get("forum") or "none", "area_kind": r["area_kind"],
         "confirmed": bool(r["confirmed"]), "source": r["source"]}
        for r in data.rules], what="godkendelsesregel", end_missing=True,
        label=lambda v: f"{KIND_LABELS.get(v['kind'], v['kind'])} fra {v['valid_from']}")
    sync.rows(Succession, ("entity", "predecessor_key", "successor_key"),
              succession_rows(data), what="efterfølger", prune=True,
              label=lambda v: f"{v['predecessor_key']} → {v['successor_key'] or 'ingen'}")
    report = LoadReport(sync.count("added"), sync.count("changed"), sync.count("ended"),
                        data.digest, sync.changes)
    if report.changed:
        if uow.session.exec(select(MasterDataLoad).where(
                MasterDataLoad.digest == data.digest)).first() is None:
            uow.session.add(MasterDataLoad(digest=data.digest, loaded_at=uow.now))
        uow.record(entity="stamdata", entity_id=None, trigger="indlaes_stamdata",
                   from_state=None, to_state=None,
                   comment=f"{report.created} oprettet, {report.updated} ændret, "
                           f"{report.ended} afsluttet (sha256 {data.digest[:12]})"
                           + (f"; {note}" if note else "")
                           + "".join(f"\n{_line(c)}" for c in report.changes[:200]))
    return report


def _line(change: Change) -> str:
    detail = f"; {change.detail}" if change.detail else ""
    return f"{change.action} {change.what} {change.label} {change.period}{detail}"


_SUCCESSION_SOURCES = (("region", "regions"), ("area", "areas"), ("body", "bodies"))


def succession_rows(data: files.MasterData) -> list[dict[str, Any]]:
    """One row per (predecessor, successor); a `successors: []` block gives one row with None."""
    rows: list[dict[str, Any]] = []
    for entity, attr in _SUCCESSION_SOURCES:
        for item in getattr(data, attr):
            block = item.get("succession")
            if not block:
                continue
            common = {"entity": entity, "predecessor_key": item["key"],
                      "valid_from": _d(block["valid_from"]),
                      "confirmed": bool(block.get("confirmed", False)),
                      "source": str(block.get("source", ""))}
            rows.extend({**common, "successor_key": s} for s in block["successors"] or [None])
    return rows


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
    unconfirmed: dict[tuple[str, int], tuple[str, str]] = {}
    for cm in session.exec(select(ClusterMembership).where(valid_on(ClusterMembership, on))):
        if cm.cluster_id in areas:
            key = areas[cm.cluster_id].key
            area_members.setdefault(key, []).append(cm.municipality_id)
            if cm.confidence != "confirmed":
                unconfirmed[(key, cm.municipality_id)] = (cm.confidence, cm.source)
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
                               confirmed=r.confirmed, forum=r.forum, source=r.source)
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
        unconfirmed_members=unconfirmed,
    )
