"""The public pages on 4 API worker processes (each with its own kept answers) under 50
keep-alive clients: no answer fails, and after a change every client's next answer shows it,
whichever worker holds its connection; an agreement made non-public is 404 on every next
answer. No timing is asserted here; bench/bench_public.py prints p50/p95."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from aftaleflow.db import make_engine
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.agreements.publication import set_publication
from aftaleflow.services.uow import ServiceContext
from tests.conftest import BACKEND
from tests.factories import PATHS, new_agreement
from tests.scale.load import REGIONAL_SYD, api_server
from tests.scale.public_client import Connection, get

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason=(
        "several API worker processes on one shared database server: runs on PostgreSQL only "
        "(AFTALEFLOW_TEST_DATABASE=postgresql, CI's second run)")),
]
CLIENTS = 50


def _counts(body: bytes) -> set[str]:
    return set(re.findall(r"(\d+) af \d+ godkendt", body.decode()))


def test_every_worker_shows_a_change_on_the_next_request_under_fifty_clients(
        db_url: str) -> None:
    engine = make_engine(db_url)
    ctx = ServiceContext(engine=engine, actor="test")
    view = new_agreement(ctx, REGIONAL_SYD)
    for trigger in PATHS["i_godkendelse"]:
        view = advance_agreement(ctx, view.id, trigger)
    page = f"/offentlig/aftaler/{view.id}"
    parties = [a.body_key for a in view.approvals]

    async def scenario() -> list[list[tuple[int, bytes]]]:
        host, port = base.removeprefix("http://").split(":")
        connections = [await Connection.open(host, int(port)) for _ in range(CLIENTS)]
        seen = []
        try:
            for change in (None, "decision", "hidden"):
                if change == "decision":
                    await asyncio.to_thread(record_decision, ctx, view.id, Decision(
                        party=parties[1], decision="godkendt",
                        meeting_date=date(2026, 11, 2)))
                elif change == "hidden":
                    await asyncio.to_thread(set_publication, ctx, view.id, "aldrig")
                for _ in range(2):  # twice: the second answers come from kept ones
                    got = await asyncio.gather(*(get(c, page) for c in connections))
                    seen.append([(status, body) for status, _, body in got])
        finally:
            for c in connections:
                c.close()
        return seen

    with api_server(db_url, 4) as base, ThreadPoolExecutor(max_workers=1) as pool:
        # a thread of its own: this one may hold an event loop (Playwright's sync API)
        seen = pool.submit(asyncio.run, scenario()).result()
    engine.dispose()
    before, kept, after, after_kept, hidden, hidden_again = seen
    assert {s for s, _ in before + kept} == {200}
    assert set().union(*(_counts(b) for _, b in before + kept)) == {"0"}
    assert {s for s, _ in after + after_kept} == {200}
    assert set().union(*(_counts(b) for _, b in after + after_kept)) == {"1"}
    assert {s for s, _ in hidden + hidden_again} == {404}
    assert all(b"samarbejdsaftale med nummer" in b for _, b in hidden + hidden_again)
