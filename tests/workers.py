"""Functions run in separate processes by the concurrency tests (importable under spawn)."""

from __future__ import annotations

from typing import Any

from aftaleflow.db import make_engine
from aftaleflow.domain.errors import Conflict, DomainError
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.uow import ServiceContext


def advance_with_version(url: str, agreement_id: int, trigger: str, version: int,
                         barrier: Any) -> str:
    ctx = ServiceContext(engine=make_engine(url), actor="proc")
    barrier.wait(timeout=60)
    try:
        advance_agreement(ctx, agreement_id, trigger, expected_version=version,
                          comment="Begrundet")
    except Conflict:
        return "conflict"
    except DomainError as exc:
        return f"error: {exc.message}"
    return "ok"


def churn(url: str, agreement_id: int, rounds: int, barrier: Any) -> int:
    """Move one agreement back and forth; every move appends to the shared audit chain."""
    ctx = ServiceContext(engine=make_engine(url), actor="proc")
    barrier.wait(timeout=60)
    done = 0
    for _ in range(rounds):
        advance_agreement(ctx, agreement_id, "send_til_ssu")
        advance_agreement(ctx, agreement_id, "tilbage_til_udarbejdelse")
        done += 2
    return done
