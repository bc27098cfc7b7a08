"""The status matrix (agreements × parties) in three set-based queries, not several per case.

Same views as `list_agreements(ctx, region=...)`, for the CLI's `status` and the API's
`/status`: one query for the agreements, one for every current-round approval with its body,
one for every implementation with its cluster. Regions and origin clusters come with the
agreements. A `part` principal sees only the agreements that concern its body.
"""

from __future__ import annotations

from sqlmodel import col, select

from aftaleflow.domain.access import Role
from aftaleflow.domain.model import Agreement, Approval, Body, Cluster, Implementation, Region
from aftaleflow.services.agreements import (
    _find_region,
    agreement_view,
    approval_view,
    concerns,
    implementation_view,
)
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView, ApprovalView, ImplementationView


def status_matrix(ctx: ServiceContext, region: str | None = None) -> list[AgreementView]:
    """Every agreement the principal may see (optionally one region's), with its parties."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        session = uow.session
        wanted = select(Agreement.id)
        if region:
            wanted = wanted.where(Agreement.region_id == _find_region(session, region).id)
        rows = session.exec(select(Agreement, Region).join(
            Region, col(Region.id) == Agreement.region_id).where(
                col(Agreement.id).in_(wanted)).order_by(col(Agreement.id))).all()
        if ctx.principal.role == Role.PARTY:
            rows = [(a, r) for a, r in rows if concerns(session, ctx.principal, a)]
        approvals: dict[int, list[ApprovalView]] = {}
        for approval, body in session.exec(
                select(Approval, Body).join(Body, col(Body.id) == Approval.body_id)
                .join(Agreement, col(Agreement.id) == Approval.agreement_id)
                .where(col(Approval.round_no) == col(Agreement.round_no),
                       col(Approval.agreement_id).in_(wanted))
                .order_by(col(Approval.id))):
            approvals.setdefault(approval.agreement_id, []).append(approval_view(approval, body))
        implementations: dict[int, list[ImplementationView]] = {}
        for impl, cluster in session.exec(
                select(Implementation, Cluster).join(Cluster, col(Cluster.id) ==
                                                     Implementation.cluster_id)
                .where(col(Implementation.agreement_id).in_(wanted))
                .order_by(col(Implementation.id))):
            implementations.setdefault(impl.agreement_id, []).append(
                implementation_view(impl, cluster))
        clusters = {c.id: c for c in session.exec(select(Cluster).where(col(Cluster.id).in_(
            {a.origin_cluster_id for a, _ in rows if a.origin_cluster_id})))}
        return [agreement_view(a, r, clusters.get(a.origin_cluster_id),
                               approvals.get(a.id or 0, []), implementations.get(a.id or 0, []))
                for a, r in rows]
