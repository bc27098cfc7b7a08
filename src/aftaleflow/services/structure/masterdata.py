"""Loading master data into the database (idempotently) and reading it as of a date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Date, bindparam
from sqlmodel import Session, col, or_, select

from aftaleflow.db import Prepared, create_schema, one_round_trip
from aftaleflow.domain.model import (
    KIND_LABELS,
    ApprovalRule,
    Body,
    Cluster,
    ClusterMembership,
    MasterDataLoad,
    Municipality,
    OriginRule,
    Region,
    RegionMembership,
    Succession,
)
from aftaleflow.domain.rounds import GovernanceSnapshot, RoundRule
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.structure.masterdata_sync import Change, Sync
from aftaleflow.services.uow import ServiceContext, UnitOfWork

if TYPE_CHECKING:  # the file schema (YAML, pydantic models) is imported only to load files
    from aftaleflow.masterdata.files import MasterData

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


def _name(value: Any, field: str) -> str:
    """A name from the files through the same text check as every other input."""
    return clean_text(str(value), field, max_len=300, required=True, single_line=True)


def _d(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_master_data(ctx: ServiceContext, directory: Path | None = None) -> LoadReport:
    """Create the schema and bring master data in line with the files; twice changes nothing."""
    ctx.authorize("masterdata.admin")
    create_schema(ctx.engine)
    from aftaleflow.masterdata import files

    data = files.read(directory or files.PACKAGE_DIR)
    with UnitOfWork(ctx) as uow:
        report = sync_master_data(uow, data)
        uow.commit()
    return report


def sync_master_data(uow: UnitOfWork, data: MasterData,
                     effective: date | None = None, note: str = "") -> LoadReport:
    """Apply one validated version of the files inside `uow`; the caller commits or not.

    Changes take effect from `effective` (default: today); history before it stays as it was.
    """
    sync = Sync(uow.session, effective or uow.now.date())
    regions = sync.rows(Region, ("key",), [
        {"key": r["key"], "name": _name(r["name"], "regionsnavn"), "code": r.get("code"),
         "note": r.get("note"),
         "valid_from": _d(r["valid_from"]), "valid_to": _d(r.get("valid_to"))}
        for r in data.regions], what="region", label=lambda v: v["name"])
    region_id = {k[0]: r.id for k, r in regions.items()}
    region_name = {r.id: r.name for r in regions.values()}
    munis = sync.rows(Municipality, ("code",), [
        {"code": m["code"], "name": _name(m["name"], "kommunenavn")}
        for m in data.municipalities],
        what="kommune", label=lambda v: f"{v['name']} ({v['code']})")
    muni_id = {k[0]: m.id for k, m in munis.items()}
    muni_name = {m.id: f"{m.name} ({m.code})" for m in munis.values()}
    sync.memberships(RegionMembership, ("municipality_id", "region_id"), [
        {"municipality_id": muni_id[m["code"]], "region_id": region_id[rm["region"]],
         "valid_from": _d(rm["valid_from"]), "valid_to": _d(rm.get("valid_to"))}
        for m in data.municipalities for rm in m["regions"]], what="regionsmedlemskab",
        label=lambda v: f"{muni_name[v['municipality_id']]} i {region_name[v['region_id']]}")
    areas = sync.rows(Cluster, ("key",), [
        {"key": a["key"], "name": _name(a["name"], "klyngenavn"), "kind": a["kind"],
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
        {"key": b["key"], "name": _name(b["name"], "organnavn"), "kind": b["kind"],
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
    sync.rows(OriginRule, ("key", "valid_from"), [
        {"key": o["key"], "label": o["label"], "valid_from": _d(o["valid_from"]),
         "valid_to": _d(o.get("valid_to")), "first_state": o["first_state"], "position": i,
         "confirmed": bool(o["confirmed"]), "source": o["source"]}
        for i, o in enumerate(data.origins)], what="oprindelse", end_missing=True,
        label=lambda v: f"{v['label']} fra {v['valid_from']}")
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


def succession_rows(data: MasterData) -> list[dict[str, Any]]:
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
    "area_members": _valid_rows(ClusterMembership, "cluster_id", "municipality_id",
                                "confidence", "source"),
    "councils": _valid_rows(Body, "id", "kind", "region_id", "municipality_id",
                            extra=or_(col(Body.kind) == "kommunalbestyrelse",
                                      col(Body.kind) == "regionsraad")),
    "rules": _valid_rows(ApprovalRule, "kind", "approvers", "implementers", "area_kind",
                         "confirmed", "forum", "source"),
}


def _fetch_all(conn: Connection, on: date) -> dict[str, list[Any]]:
    """The six structure queries; on PostgreSQL sent in one pipeline (one round trip, not
    six: a round start waits for them)."""
    if conn.dialect.name != "postgresql":
        return {name: list(query.run(conn, {"on": on}).fetchall())
                for name, query in _SNAPSHOT.items()}
    with one_round_trip(conn):
        cursors = {name: query.run(conn, {"on": on}) for name, query in _SNAPSHOT.items()}
    return {name: list(cursor.fetchall()) for name, cursor in cursors.items()}


def snapshot(session: Session, on: date) -> GovernanceSnapshot:
    """The governance structure valid on one day, as plain data for `domain.rounds`.

    Plain tuples from statements compiled once (`db.Prepared`): a round start reads a few
    hundred rows of structure (ids, keys and kinds) and needs none of them as objects.
    """
    conn = session.connection()
    fetched = _fetch_all(conn, on)

    def rows(name: str) -> list[Any]:
        return fetched[name]

    regions: dict[int, str] = dict(rows("regions"))
    region_members: dict[str, list[int]] = {}
    for region_id, municipality_id in rows("region_members"):
        if region_id in regions:
            region_members.setdefault(regions[region_id], []).append(municipality_id)
    areas = {id_: (key, kind, region_id) for id_, key, kind, region_id in rows("areas")}
    area_members: dict[str, list[int]] = {}
    unconfirmed: dict[tuple[str, int], tuple[str, str]] = {}
    for cluster_id, municipality_id, confidence, source in rows("area_members"):
        if cluster_id in areas:
            key = areas[cluster_id][0]
            area_members.setdefault(key, []).append(municipality_id)
            if confidence != "confirmed":
                unconfirmed[(key, municipality_id)] = (confidence, source)
    councils: dict[int, int] = {}
    regional_councils: dict[str, int] = {}
    for body_id, kind, region_id, municipality_id in rows("councils"):
        if kind == "kommunalbestyrelse" and municipality_id is not None:
            councils[municipality_id] = body_id
        elif region_id in regions:
            regional_councils[regions[region_id]] = body_id
    rules = {kind: RoundRule(kind=kind, approvers=tuple(approvers.split(",")),
                             implementers=implementers, area_kind=area_kind,
                             confirmed=bool(confirmed), forum=forum, source=source)
             for kind, approvers, implementers, area_kind, confirmed, forum, source
             in rows("rules")}
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
        unconfirmed_members=unconfirmed,
    )
