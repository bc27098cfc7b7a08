"""A bounded load test: 4 API worker processes on PostgreSQL, 50 concurrent clients.

A fixed number of requests (4 agreements × 23 parties × 3): decisions recorded over HTTP and
the status matrix read between them. No timing is asserted here; bench/bench_load.py prints
p50/p95. What must hold under load: no request fails, every decision lands, the chain holds.
"""

from __future__ import annotations

import pytest

from aftaleflow.services.uow import ServiceContext
from tests.conftest import BACKEND
from tests.scale.load import run_load

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason=(
        "several API worker processes on one shared database server: runs on PostgreSQL only "
        "(AFTALEFLOW_TEST_DATABASE=postgresql, CI's second run)")),
]


def test_fifty_clients_on_four_api_workers_get_no_errors_and_keep_the_chain_intact(
        ctx: ServiceContext, db_url: str) -> None:
    result = run_load(db_url, agreements=4, clients=50, workers=4)
    print(result.summary())
    assert result.requests == 4 * 23 * 3
    assert result.errors == []
    assert result.final_states == ["godkendt"] * 4  # every one of the 92 approvals landed
    assert result.chain_ok
