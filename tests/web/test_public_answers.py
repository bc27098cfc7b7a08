"""The public answers' thin path (web/public_answers.py): a worker sends a finished answer again
without its route while the data's version holds, shows a change on the very next request,
never keeps a 404, makes one answer once when many ask at the same moment, and sends gzip to
clients that accept it. The README's sentences on caching are these tests' promises."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from aftaleflow.api.app import create_app
from aftaleflow.db import make_engine
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.publication import set_publication
from aftaleflow.services.reading.public_views import PublicStamp
from aftaleflow.services.uow import ServiceContext
from aftaleflow.web import public_answers, warm_up
from aftaleflow.web.public_answers import PublicAnswers, VersionCheck
from aftaleflow.web.shared_answers import SharedAnswers, shared_answers_directory
from tests.web.conftest import DemoWorld, web_clock

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Open to citizens and the press", 1)[1].split("\n## ", 1)[0]


def run_apart(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run on a thread of its own: this one may hold an event loop already
    (Playwright's sync API in an earlier test on the same pytest worker keeps one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


def route_calls(app: FastAPI) -> list[str]:
    """The paths that reached the routes behind the thin path (the app's real routes)."""
    TestClient(app).get("/offentlig/static/app.css")  # Starlette builds its stack on first use
    layer = app.middleware_stack
    while not isinstance(layer, PublicAnswers):
        layer = layer.app  # type: ignore[union-attr]
    inner, calls = layer.app, []

    async def counting(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        await inner(scope, receive, send)

    layer.app = counting
    return calls


def test_a_kept_answer_is_sent_again_without_its_route_until_the_data_changes(
        demo_engine, demo_world: DemoWorld) -> None:
    app = create_app(demo_engine, web_clock())
    calls, client = route_calls(app), TestClient(app)
    page = f"/offentlig/aftaler/{demo_world.midt_open}"
    first = client.get(page)
    assert first.status_code == 200 and "0 af 20 godkendt" in first.text
    again = client.get(page)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert calls == [page]  # the second answer came from the kept one
    record_decision(ServiceContext(engine=demo_engine, actor="test", clock=web_clock()),
                    demo_world.midt_open, Decision(party="Lemvig", decision="godkendt",
                                                   meeting_date=date(2026, 10, 21)))
    changed = client.get(page)  # the very next request
    assert changed.status_code == 200 and "1 af 20 godkendt" in changed.text
    assert changed.headers["etag"] != first.headers["etag"] and calls == [page, page]
    data = client.get("/offentlig/data/aftaler.json?region=midtjylland").json()
    midt = next(a for a in data["agreements"] if a["number"] == demo_world.midt_open)
    assert midt["counts"] == {"approved": 1, "parties": 20}


def test_an_agreement_made_non_public_is_gone_on_the_next_request_and_404s_are_never_kept(
        demo_engine, demo_world: DemoWorld) -> None:
    app = create_app(demo_engine, web_clock())
    calls, client = route_calls(app), TestClient(app)
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=web_clock())
    page = f"/offentlig/aftaler/{demo_world.midt_open}"
    assert client.get(page).status_code == 200 and client.get(page).status_code == 200
    set_publication(ctx, demo_world.midt_open, "aldrig")
    gone, missing = client.get(page), client.get("/offentlig/aftaler/987654")
    assert gone.status_code == missing.status_code == 404
    assert gone.text.replace(f"nummer {demo_world.midt_open}", "nummer N") == \
        missing.text.replace("nummer 987654", "nummer N")  # no hint that it exists
    assert "etag" not in gone.headers
    assert client.get(page).status_code == 404
    assert calls.count(page) == 3  # once while public, then every 404 by its route
    listed = client.get("/offentlig/data/aftaler.json?pr_side=1000").json()
    assert demo_world.midt_open not in {a["number"] for a in listed["agreements"]}
    set_publication(ctx, demo_world.midt_open, "ved_indstilling")
    assert client.get(page).status_code == 200


def test_answers_go_gzip_to_clients_that_accept_it_with_a_weak_etag(web_app) -> None:
    public, url = TestClient(web_app), "/offentlig/data/aftaler.json"
    packed = public.get(url, headers={"Accept-Encoding": "gzip"})
    plain = public.get(url, headers={"Accept-Encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.content == plain.content  # the same answer once unpacked
    assert int(packed.headers["content-length"]) < len(plain.content) // 3
    assert packed.headers["etag"] == f"W/{plain.headers['etag']}"
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    for tag in (packed.headers["etag"], plain.headers["etag"]):
        for encoding in ("gzip", "identity"):
            again = public.get(url, headers={"If-None-Match": tag, "Accept-Encoding": encoding})
            assert again.status_code == 304 and again.content == b""
    assert "set-cookie" not in packed.headers


def test_many_requests_for_one_new_answer_at_once_make_it_once(
        demo_engine, demo_world: DemoWorld) -> None:
    app = create_app(demo_engine, web_clock())
    calls = route_calls(app)
    page = f"/offentlig/aftaler/{demo_world.midt_open}"

    async def at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.get(page) for _ in range(6)))

    answers = run_apart(at_once)
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1 and calls == [page]


def _stamp(n: int) -> PublicStamp:
    return PublicStamp(n, datetime(2026, 12, 1, 12, 0), date(2026, 12, 6), f"head{n}")


def test_a_request_never_uses_a_version_read_that_began_before_it_arrived() -> None:
    """Those that arrive while a read runs share the next read, which begins after they came:
    a change committed before a request is seen by it."""
    check, reads, first_read_runs = VersionCheck(), [], threading.Event()
    release = threading.Event()

    def read() -> PublicStamp:
        reads.append(len(reads))
        if len(reads) == 1:
            first_read_runs.set()
            release.wait(5)
        return _stamp(len(reads))

    async def scenario() -> tuple[PublicStamp, list[PublicStamp]]:
        early = asyncio.ensure_future(check.current(read))
        await _until(lambda: first_read_runs.is_set())
        # the data changes now; these arrive while the first read is still under way
        later = [asyncio.ensure_future(check.current(read)) for _ in range(5)]
        await asyncio.sleep(0)
        release.set()
        return await early, list(await asyncio.gather(*later))

    early, later = run_apart(scenario)
    assert early == _stamp(1) and later == [_stamp(2)] * 5 and len(reads) == 2


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.001)


def test_the_readme_says_how_public_answers_are_cached() -> None:
    text = " ".join(SECTION.split())
    assert f"`Cache-Control: public, max-age={public_answers.MAX_AGE}`" in text
    assert "shows a change on the very next request" in text
    assert "with `--workers N` one worker makes it for all" in text
    assert "`web/public_answers.py`" in text and (ROOT / "src/aftaleflow/web/public_answers.py"
                                                  ).exists()
    assert "an agreement made non-public answers 404 from the next request on" in text
    assert 'the ETag is weak (`W/"…"`)' in text and "in under a third of its size" in text



def test_a_served_worker_warms_up_without_waiting_for_a_database_that_is_away() -> None:
    app = create_app(make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none"), web_clock())
    warm_up(app)  # returns at once; the queries' warm-up gives up on the side
    assert TestClient(app).get("/offentlig/static/app.css").status_code == 200


def test_the_workers_of_one_run_make_each_answer_once_for_all(
        demo_engine, demo_world: DemoWorld, tmp_path: Path) -> None:
    """Two apps as two workers of one `aftaleflow api --workers N` run, sharing a directory."""
    workers = [create_app(demo_engine, web_clock()) for _ in range(2)]
    for app in workers:
        app.state.shared_answers = SharedAnswers(tmp_path)
    calls = [route_calls(app) for app in workers]
    page = f"/offentlig/aftaler/{demo_world.midt_open}"

    async def both_at_once() -> list[httpx.Response]:
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") for app in workers]
        try:
            return await asyncio.gather(*(c.get(page) for c in clients for _ in range(3)))
        finally:
            for c in clients:
                await c.aclose()

    first = run_apart(both_at_once)
    assert {a.status_code for a in first} == {200} and len({a.content for a in first}) == 1
    assert sorted(calls[0] + calls[1]) == [page]  # made once, by one of the two
    record_decision(ServiceContext(engine=demo_engine, actor="test", clock=web_clock()),
                    demo_world.midt_open, Decision(party="Lemvig", decision="godkendt",
                                                   meeting_date=date(2026, 10, 21)))
    second = TestClient(workers[1]).get(page)
    assert "1 af 20 godkendt" in second.text
    other = TestClient(workers[0]).get(page, headers={"Accept-Encoding": "identity"})
    assert other.text == second.text and len(calls[0] + calls[1]) == 2
    versions = {p.name.split("-")[0] for p in tmp_path.iterdir()}
    assert len(versions) == 1  # the earlier version's files are gone
    files = set(tmp_path.iterdir())
    found = TestClient(workers[0]).get("/offentlig/data/aftaler.json?q=forløb")
    assert found.status_code == 200 and set(tmp_path.iterdir()) == files  # searches: not shared


def test_aftaleflow_api_gives_its_workers_a_directory_of_the_run_and_removes_it() -> None:
    assert SharedAnswers.from_environment() is None
    with shared_answers_directory():
        shared = SharedAnswers.from_environment()
        assert shared is not None and shared.directory.is_dir()
        assert not any(shared.directory.iterdir())
    assert not shared.directory.exists() and SharedAnswers.from_environment() is None


def test_the_public_benchmark_offers_both_clients_the_readme_names() -> None:
    assert "50 keep-alive clients accepting gzip, right after a new decision" in README
    assert "`--client httpx`" in README
    shown = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_public.py"), "--help"],
                           capture_output=True, text=True, check=True).stdout
    assert "{light,httpx}" in shown


def test_without_a_temporary_directory_the_workers_make_their_answers_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "not-there"))
    with shared_answers_directory():
        assert SharedAnswers.from_environment() is None
