"""Reading the governance structure valid on a day: regions, municipalities, clusters, bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from aftaleflow.domain.model import (
    Body,
    Cluster,
    ClusterMembership,
    Municipality,
    Region,
    RegionMembership,
)
from aftaleflow.services.structure.masterdata import valid_on
from aftaleflow.services.uow import ServiceContext, UnitOfWork


@dataclass(frozen=True)
class RegionView:
    key: str
    name: str
    code: str | None
    valid_from: date
    valid_to: date | None
    municipalities: list[str]


@dataclass(frozen=True)
class MunicipalityView:
    code: str
    name: str
    region: str | None
    clusters: list[str]


@dataclass(frozen=True)
class MemberView:
    code: str
    name: str
    confidence: str
    source: str


@dataclass(frozen=True)
class ClusterView:
    key: str
    name: str
    kind: str
    region: str
    acute_hospital: str | None
    valid_from: date
    valid_to: date | None
    members: list[MemberView]


@dataclass(frozen=True)
class BodyView:
    key: str
    name: str
    kind: str
    valid_from: date
    valid_to: date | None
    short_name: str | None = None


def _day(ctx: ServiceContext, on: date | None) -> date:
    return on or ctx.now().date()


def _region_keys(session: Session) -> dict[int | None, str]:
    return {r.id: r.key for r in session.exec(select(Region))}


def list_regions(ctx: ServiceContext, on: date | None = None) -> list[RegionView]:
    ctx.authorize("masterdata.read")
    day = _day(ctx, on)
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        munis = {m.id: m.code for m in s.exec(select(Municipality))}
        members: dict[int, list[str]] = {}
        for rm in s.exec(select(RegionMembership).where(valid_on(RegionMembership, day))):
            members.setdefault(rm.region_id, []).append(munis[rm.municipality_id])
        return [RegionView(key=r.key, name=r.name, code=r.code, valid_from=r.valid_from,
                           valid_to=r.valid_to, municipalities=sorted(members.get(r.id or 0, [])))
                for r in s.exec(select(Region).where(valid_on(Region, day))
                                .order_by(col(Region.name)))]


def list_municipalities(ctx: ServiceContext, on: date | None = None) -> list[MunicipalityView]:
    ctx.authorize("masterdata.read")
    day = _day(ctx, on)
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        regions = _region_keys(s)
        region_of = {rm.municipality_id: regions[rm.region_id] for rm in
                     s.exec(select(RegionMembership).where(valid_on(RegionMembership, day)))}
        clusters = {c.id: c.key for c in s.exec(select(Cluster))}
        cluster_of: dict[int, list[str]] = {}
        for cm in s.exec(select(ClusterMembership).where(valid_on(ClusterMembership, day))):
            cluster_of.setdefault(cm.municipality_id, []).append(clusters[cm.cluster_id])
        return [MunicipalityView(code=m.code, name=m.name, region=region_of.get(m.id or 0),
                                 clusters=sorted(cluster_of.get(m.id or 0, [])))
                for m in s.exec(select(Municipality).order_by(col(Municipality.code)))]


def list_clusters(ctx: ServiceContext, on: date | None = None) -> list[ClusterView]:
    ctx.authorize("masterdata.read")
    day = _day(ctx, on)
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        regions = _region_keys(s)
        munis = {m.id: m for m in s.exec(select(Municipality))}
        members: dict[int, list[MemberView]] = {}
        for cm in s.exec(select(ClusterMembership).where(valid_on(ClusterMembership, day))):
            m = munis[cm.municipality_id]
            members.setdefault(cm.cluster_id, []).append(
                MemberView(code=m.code, name=m.name, confidence=cm.confidence, source=cm.source))
        return [ClusterView(key=c.key, name=c.name, kind=c.kind, region=regions[c.region_id],
                            acute_hospital=c.acute_hospital, valid_from=c.valid_from,
                            valid_to=c.valid_to, members=members.get(c.id or 0, []))
                for c in s.exec(select(Cluster).where(valid_on(Cluster, day))
                                .order_by(col(Cluster.name)))]


def list_bodies(ctx: ServiceContext, on: date | None = None,
                kind: str | None = None) -> list[BodyView]:
    ctx.authorize("masterdata.read")
    day = _day(ctx, on)
    with UnitOfWork(ctx, read_only=True) as uow:
        query = select(Body).where(valid_on(Body, day)).order_by(col(Body.name))
        if kind:
            query = query.where(Body.kind == kind)
        return [body_view(b) for b in uow.session.exec(query)]


def body_view(b: Body) -> BodyView:
    return BodyView(key=b.key, name=b.name, kind=b.kind, valid_from=b.valid_from,
                    valid_to=b.valid_to, short_name=b.short_name)
