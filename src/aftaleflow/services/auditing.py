"""Checking the audit chain of the whole database."""

from __future__ import annotations

from aftaleflow import audit
from aftaleflow.services.uow import ServiceContext, UnitOfWork


def verify_chain(ctx: ServiceContext) -> audit.ChainReport:
    ctx.authorize("audit.verify")
    with UnitOfWork(ctx, read_only=True) as uow:
        return audit.verify(uow.session)
