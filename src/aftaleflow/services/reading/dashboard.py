"""Read models for the dashboard: the approval matrix with its filters, lead times, the user.

The matrix comes from `matrix.approval_matrix` (two plain queries, a tuple per cell), with
the cells a `part` may read (`agreements.part_view`: every party's decision, its own comments).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, or_, select

from aftaleflow.domain.access import Role
from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.model import AgreementKind, AuditEvent, Body, Cluster, Region, User
from aftaleflow.services.reading.matrix import approval_matrix
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementLike, MatrixRow


@dataclass(frozen=True)
class LeadTime:
    """From the SSU's recommendation (indstil_til_godkendelse) to the last approval (godkend)."""

    agreement_id: int
    title: str
    region: str
    recommended_on: date
    approved_on: date

    @property
    def days(self) -> int:
        return (self.approved_on - self.recommended_on).days


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    body_key: str | None
    body: str | None
    feed_key_hint: str | None = None  # the start of the user's calendar key, if one is made


def current_user(ctx: ServiceContext) -> UserInfo:
    """Who is logged in, with the key of a part's own body (to offer only its actions)."""
    principal = ctx.principal
    with UnitOfWork(ctx, read_only=True) as uow:
        body = uow.session.get(Body, principal.body_id) if principal.body_id else None
        user = uow.session.get(User, principal.user_id) if principal.user_id else None
    hint = f"{user.feed_key_hint}…" if user and user.feed_key_hash else None
    return UserInfo(name=principal.name, role=principal.role,
                    body_key=body.key if body else None, body=body.name if body else None,
                    feed_key_hint=hint)


def matrix_agreements(ctx: ServiceContext, *, region: str | None = None,
                      cluster: str | None = None, state: str | None = None,
                      cells: bool = True) -> list[MatrixRow]:
    """`matrix.approval_matrix` (two queries) with the dashboard's filters, which mean what
    they mean for `list_agreements` (a test keeps the two equal)."""
    ctx.authorize("agreement.read")
    if state and state not in [s.name for s in AGREEMENT.states]:
        raise ValidationFailed(f"Ukendt tilstand '{state[:40]}'.")
    area = _cluster(ctx, cluster) if cluster else None
    views = approval_matrix(ctx, region, cells=cells)
    if area is not None:  # its own cases, and the regional ones of its region
        views = [v for v in views if v.origin_cluster == area.name or (
            v.kind == AgreementKind.REGIONAL and v.region_key == area.region)]
    return [v for v in views if v.state == state] if state else views


@dataclass(frozen=True)
class _Area:
    name: str
    region: str


def _cluster(ctx: ServiceContext, ref: str) -> _Area:
    with UnitOfWork(ctx, read_only=True) as uow:
        row = uow.session.exec(select(Cluster, Region).join(
            Region, col(Region.id) == Cluster.region_id).where(
            or_(Cluster.key == ref.lower(), col(Cluster.name).ilike(ref)))).first()
    if row is None:
        raise NotFound(f"Ukendt klynge '{ref[:60]}'.")
    return _Area(name=row[0].name, region=row[1].key)


def lead_times(ctx: ServiceContext, agreements: Sequence[AgreementLike]) -> list[LeadTime]:
    """Days from the SSU's recommendation to the final approval, per approved agreement."""
    ctx.authorize("agreement.read")
    by_id = {a.id: a for a in agreements}
    with UnitOfWork(ctx, read_only=True) as uow:
        events = uow.session.exec(select(AuditEvent).where(
            AuditEvent.entity == "agreement",
            col(AuditEvent.trigger).in_(["indstil_til_godkendelse", "godkend"]),
            col(AuditEvent.agreement_id).in_(list(by_id))).order_by(col(AuditEvent.id))).all()
    recommended: dict[int, date] = {}
    result = []
    for event in events:
        if event.agreement_id is None:
            continue
        day = datetime.fromisoformat(event.at).date()
        if event.trigger == "indstil_til_godkendelse":
            recommended[event.agreement_id] = day
        elif event.agreement_id in recommended:
            view = by_id[event.agreement_id]
            result.append(LeadTime(agreement_id=view.id, title=view.title, region=view.region,
                                   recommended_on=recommended[event.agreement_id],
                                   approved_on=day))
    return result
