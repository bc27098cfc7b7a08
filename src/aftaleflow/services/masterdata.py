"""Loading master data into the database (idempotently) and reading it as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Date, bindparam
from sqlmodel import Session, SQLModel, col, or_, select

from aftaleflow.db import Prepared, create_schema
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
            {"key": r["key"], "name": r["name"], "code": r["code"], "note": r.get("note"),
             "valid_from": _d(r["valid_from"]), "valid_to": _d(r["valid_to"])}
            for r in data.regions])
        region_id = {k[0]: r.id for k, r in regions.items()}
        munis = sync.rows(Municipality, ("code",), [
            {"code": m["code"], "name": m["name"]} for m in data.municipalities])
        muni_id = {k[0]: m.id for k, m in munis.items()}
        sync.rows(RegionMembership, ("municipality_id", "region_id", "valid_from"), [
            {"municipality_id": muni_id[m["code"]], "region_id": region_id[rm["region"]],
             "valid_from": _d(rm["valid_from"]), "valid_to": _d(rm["valid_to"])}
            for m in data.municipalities for rm in m["regions"]], prune=True)
        areas = sync.rows(Cluster, ("key",), [
            {"key": a["key"], "name": a["name"], "kind": a["kind"],
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
            {"key": b["key"], "name": b["name"], "kind": b["kind"],
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


_ON = bindparam("on", type_=Date)


def _valid_rows(model: Any, *names: str, extra: Any = None) -> Prepared:
    """SELECT the named columns of rows valid on :on, in id order (compiled once)."""
    table = model.__table__
    query = select(*(table.c[n] for n in names)).where(
        table.c.valid_from <= _ON, or_(table.c.valid_to.is_(None), table.c.valid_to >= _ON))
    return Prepared((query.where(extra) if extra is not None else query).order_by(table.c.id))


_SNAPSHOT = {
    "regions": _valid_rows(Region, "id", "key"),
    "region_members": _valid_rows(RegionMembership, "region_id", "municipality_id"),
    "areas": _valid_rows(Cluster, "id", "key", "kind", "region_id"),
    "area_members": _valid_rows(ClusterMembership, "cluster_id", "municipality_id"),
    "councils": _valid_rows(Body, "id", "kind", "region_id", "municipality_id",
                            extra=or_(col(Body.kind) == "kommunalbestyrelse",
                                      col(Body.kind) == "regionsraad")),
    "rules": _valid_rows(ApprovalRule, "kind", "approvers", "implementers", "area_kind",
                         "confirmed"),
}


def snapshot(session: Session, on: date) -> GovernanceSnapshot:
    """The governance structure valid on one day, as plain data for `domain.rounds`.

    Plain tuples from statements compiled once (`db.Prepared`): a round start reads a few
    hundred rows of structure (ids, keys and kinds) and needs none of them as objects.
    """
    conn = session.connection()

    def rows(name: str) -> list[Any]:
        return list(_SNAPSHOT[name].run(conn, {"on": on}).fetchall())

    regions: dict[int, str] = dict(rows("regions"))
    region_members: dict[str, list[int]] = {}
    for region_id, municipality_id in rows("region_members"):
        if region_id in regions:
            region_members.setdefault(regions[region_id], []).append(municipality_id)
    areas = {id_: (key, kind, region_id) for id_, key, kind, region_id in rows("areas")}
    area_members: dict[str, list[int]] = {}
    for cluster_id, municipality_id in rows("area_members"):
        if cluster_id in areas:
            area_members.setdefault(areas[cluster_id][0], []).append(municipality_id)
    councils: dict[int, int] = {}
    regional_councils: dict[str, int] = {}
    for body_id, kind, region_id, municipality_id in rows("councils"):
        if kind == "kommunalbestyrelse" and municipality_id is not None:
            councils[municipality_id] = body_id
        elif region_id in regions:
            regional_councils[regions[region_id]] = body_id
    rules = {kind: RoundRule(kind=kind, approvers=tuple(approvers.split(",")),
                             implementers=implementers, area_kind=area_kind,
                             confirmed=bool(confirmed))
             for kind, approvers, implementers, area_kind, confirmed in rows("rules")}
    return GovernanceSnapshot(
        on=on,
        region_municipalities=region_members,
        area_municipalities=area_members,
        areas_by_region={
            key: [(area, kind) for area, kind, region_id in areas.values()
                  if regions.get(region_id) == key]
            for key in regions.values()
        },
        council_of_municipality=councils,
        regional_council=regional_councils,
        rules=rules,
    )
