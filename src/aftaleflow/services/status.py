"""The status matrix (agreements × parties) in three set-based queries, not several per case.

Same views as `list_agreements(ctx, region=...)`, for the CLI's `status` and the API's
`/status`: one query for the agreements, one for every current-round approval with its body,
one for every implementation with its cluster. Regions and origin clusters come with the
agreements. A `part` principal sees only the agreements that concern its body.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from aftaleflow.domain.access import Role
from aftaleflow.domain.machines import APPROVAL
from aftaleflow.domain.model import Agreement, Approval, Body, Cluster, Implementation, Region
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements import (
    _find_region,
    agreement_view,
    concerns,
    implementation_view,
)
from aftaleflow.services.availability import forum_names
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView, ApprovalView, ImplementationView

# Plain columns, not ORM objects: a 1,000 × 23 matrix is 23,000 approvals.
_APPROVAL_COLUMNS: tuple[Any, ...] = tuple(col(c) for c in (
    Approval.agreement_id, Approval.id, Body.key, Body.name, Body.kind, Approval.state,
    Approval.round_no, Approval.text_version, Approval.deadline, Approval.meeting_date,
    Approval.decided_on, Approval.protocol_ref, Approval.comment, Approval.version,
    Approval.certainty, Approval.certainty_source,
))
_APPROVAL_LABELS = {s.name: s.label for s in APPROVAL.states}


def _approval_view(row: Any) -> ApprovalView:
    (_, id_, key, name, kind, state, round_no, text_version, deadline, meeting_date,
     decided_on, protocol_ref, comment, version, certainty, certainty_source) = row
    return ApprovalView(id_, key, name, kind, state, _APPROVAL_LABELS[state], round_no,
                        text_version, deadline, meeting_date, decided_on, protocol_ref, comment,
                        version or 0, certainty, certainty_source)


def status_matrix(ctx: ServiceContext, region: str | None = None) -> list[AgreementView]:
    """Every agreement the principal may see (optionally one region's), with its parties."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        session = uow.session
        wanted = select(Agreement.id)
        if region:  # control characters (a NUL breaks PostgreSQL) are refused, not looked up
            ref = clean_text(region, "region", max_len=60, single_line=True)
            wanted = wanted.where(Agreement.region_id == _find_region(session, ref).id)
        rows = session.exec(select(Agreement, Region).join(
            Region, col(Region.id) == Agreement.region_id).where(
                col(Agreement.id).in_(wanted)).order_by(col(Agreement.id))).all()
        if ctx.principal.role == Role.PARTY:
            rows = [(a, r) for a, r in rows if concerns(session, ctx.principal, a)]
        approvals: dict[int, list[ApprovalView]] = {}
        for row in session.execute(
                sa_select(*_APPROVAL_COLUMNS).join(Body, col(Body.id) == Approval.body_id)
                .join(Agreement, col(Agreement.id) == Approval.agreement_id)
                .where(col(Approval.round_no) == col(Agreement.round_no),
                       col(Approval.agreement_id).in_(wanted))
                .order_by(col(Approval.id))):
            approvals.setdefault(row[0], []).append(_approval_view(row))
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
        forums = forum_names(session, [a for a, _ in rows], uow.now.date())
        return [agreement_view(a, r, clusters.get(a.origin_cluster_id),
                               approvals.get(a.id or 0, []), implementations.get(a.id or 0, []),
                               forum=forums.get(a.id or 0))
                for a, r in rows]
