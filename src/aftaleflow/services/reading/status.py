"""The status matrix as agreement views, for `aftaleflow status --json` and `GET /status`.

The cells come from `services.reading.matrix.approval_matrix` (the one matrix result); this
adds what the JSON carries beyond the matrix: each agreement's full record, allowed actions,
forum and implementations (one query each for the agreements and the implementations),
in the matrix's own transaction.
"""

from __future__ import annotations

from sqlmodel import col, select

from aftaleflow.domain.model import Agreement, Cluster, Implementation, Region
from aftaleflow.services.agreements.availability import forum_names
from aftaleflow.services.agreements.read_model import agreement_view, implementation_view
from aftaleflow.services.agreements.rows import origin_labels
from aftaleflow.services.reading.matrix import matrix_rows
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView, ApprovalView, ImplementationView


def status_matrix(ctx: ServiceContext, region: str | None = None) -> list[AgreementView]:
    """Every agreement the principal may see (optionally one region's), with its parties."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:  # one transaction: one connection, one BEGIN
        rows = matrix_rows(uow, region)
        ids = [r.id for r in rows]
        session = uow.session
        agreements = {a.id: (a, r) for a, r in session.exec(select(Agreement, Region).join(
            Region, col(Region.id) == Agreement.region_id).where(col(Agreement.id).in_(ids)))}
        implementations: dict[int, list[ImplementationView]] = {}
        for impl, cluster in session.exec(
                select(Implementation, Cluster).join(Cluster, col(Cluster.id) ==
                                                     Implementation.cluster_id)
                .where(col(Implementation.agreement_id).in_(ids),
                       col(Implementation.ended_on).is_(None))
                .order_by(col(Implementation.id))):
            implementations.setdefault(impl.agreement_id, []).append(
                implementation_view(impl, cluster))
        clusters = {c.id: c for c in session.exec(select(Cluster).where(col(Cluster.id).in_(
            {a.origin_cluster_id for a, _ in agreements.values() if a.origin_cluster_id})))}
        db = uow.reader
        forums = forum_names(db, [agreements[i][0] for i in ids], uow.now.date())
        labels = origin_labels(db)
    views = []
    for row in rows:
        a, region_row = agreements[row.id]
        views.append(agreement_view(a, region_row, clusters.get(a.origin_cluster_id),
                                    [ApprovalView(*cell) for cell in row.approvals],
                                    implementations.get(row.id, []), forum=forums.get(row.id),
                                    origin_label=labels.get(a.origin)))
    return views
