"""The status matrix as agreement views, for `aftaleflow status --json` and `GET /status`.

The cells come from `services.reading.matrix.approval_matrix` (the one matrix result); this
adds what the JSON carries beyond the matrix: each agreement's full record, allowed actions,
forum and implementations (one query each for the agreements and the implementations),
in the matrix's own transaction.
"""

from __future__ import annotations

from sqlalchemy import select

from aftaleflow.domain import tables
from aftaleflow.services.agreements.availability import forum_names
from aftaleflow.services.agreements.read_model import agreement_view, implementation_view
from aftaleflow.services.agreements.rows import origin_labels
from aftaleflow.services.reading.matrix import matrix_rows
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView, ApprovalView, ImplementationView

_A, _I = tables.agreement, tables.implementation


def status_matrix(ctx: ServiceContext, region: str | None = None) -> list[AgreementView]:
    """Every agreement the principal may see (optionally one region's), with its parties.

    The records beyond the matrix are read as plain Core rows (`domain.tables`), a query for
    the agreements, their implementations, and the (few) regions and clusters each.
    """
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:  # one transaction: one connection, one BEGIN
        rows = matrix_rows(uow, region)
        ids = [r.id for r in rows]
        db = uow.reader
        agreements = {a.id: a for a in db.rows(select(_A).where(_A.c.id.in_(ids)))}
        regions = {r.id: r for r in db.rows(select(tables.region))}
        clusters = {c.id: c for c in db.rows(select(tables.cluster))}
        implementations: dict[int, list[ImplementationView]] = {}
        for impl in db.rows(select(_I).where(_I.c.agreement_id.in_(ids), _I.c.ended_on.is_(None))
                            .order_by(_I.c.id)):
            implementations.setdefault(impl.agreement_id, []).append(
                implementation_view(impl, clusters[impl.cluster_id]))
        forums = forum_names(db, [agreements[i] for i in ids], uow.now.date())
        labels = origin_labels(db)
    views = []
    for row in rows:
        a = agreements[row.id]
        views.append(agreement_view(a, regions[a.region_id], clusters.get(a.origin_cluster_id),
                                    [ApprovalView(*cell) for cell in row.approvals],
                                    implementations.get(row.id, []), forum=forums.get(row.id),
                                    origin_label=labels.get(a.origin)))
    return views
