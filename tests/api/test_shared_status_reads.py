"""`GET /status` under concurrent use: the same caller's reads that wait at once share one
reading, and still every read shows the decision its client made just before it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from aftaleflow.api.routes import admin
from tests.api.conftest import World, auth
from tests.loops import run_on_own_thread


@asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as client:
        yield client


async def _parties(client: httpx.AsyncClient, world: World, headers: dict[str, str],
                   count: int) -> list[str]:
    agreement = (await client.get(f"/agreements/{world.midt}", headers=headers)).json()
    return [p["body_key"] for p in agreement["approvals"]][:count]


def _on_agenda(client: httpx.AsyncClient, world: World, party: str,
               headers: dict[str, str]) -> Awaitable[httpx.Response]:
    return client.post(f"/agreements/{world.midt}/approvals/{party}", headers=headers,
                       json={"decision": "dagsorden", "meeting_date": "2026-11-17"})



def _cell(matrix: dict[str, Any], agreement_id: int, body_key: str) -> dict[str, Any]:
    [agreement] = [a for a in matrix["agreements"] if a["id"] == agreement_id]
    [cell] = [p for p in agreement["approvals"] if p["body_key"] == body_key]
    return cell


def test_every_read_shows_its_clients_decision_while_waiting_reads_share_one_reading(
        app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    readings = []
    lock = threading.Lock()
    original = admin.status_matrix

    def counted(*args: Any, **kwargs: Any) -> Any:
        with lock:
            readings.append(1)
        time.sleep(0.02)  # long enough for other clients' reads to queue behind it
        return original(*args, **kwargs)

    monkeypatch.setattr(admin, "status_matrix", counted)
    headers = auth(world.tokens["sagsbehandler"])

    async def main() -> list[str]:
        async with _client(app) as client:
            parties = await _parties(client, world, headers, 12)

            async def one(party: str) -> str:
                decided = await _on_agenda(client, world, party, headers)
                assert decided.status_code == 200, decided.text
                read = await client.get("/status?region=midtjylland", headers=headers)
                assert read.status_code == 200, read.text
                return str(_cell(read.json(), world.midt, party)["state"])

            return list(await asyncio.gather(*(one(p) for p in parties)))

    states = run_on_own_thread(main())
    assert states == ["sat_paa_dagsorden"] * 12
    assert 1 <= len(readings) < 12  # some reads were answered by a reading they shared


def test_callers_who_may_see_different_things_never_share_a_reading(
        app: FastAPI, world: World) -> None:
    async def main() -> dict[str, Any]:
        async with _client(app) as client:
            roles = ["leder", "part", "leder", "part"]
            answers = await asyncio.gather(*(client.get("/status", headers=auth(
                world.tokens[role])) for role in roles))
            return {role: a.json() for role, a in zip(roles, answers, strict=True)}

    seen = run_on_own_thread(main())
    assert seen["leder"] != seen["part"]  # the part sees less (its own body's agreements)


def test_token_checks_decisions_and_matrix_readings_run_one_at_a_time_in_a_worker(
        app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick lane: however many requests arrive at once, one of these runs at a time."""
    from aftaleflow.api import deps
    from aftaleflow.api.routes import agreements

    running, most = [0], [0]
    lock = threading.Lock()

    def probe(func: Any) -> Any:
        def probed(*args: Any, **kwargs: Any) -> Any:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                time.sleep(0.005)
                return func(*args, **kwargs)
            finally:
                with lock:
                    running[0] -= 1
        return probed

    monkeypatch.setattr(deps, "authenticate", probe(deps.authenticate))
    monkeypatch.setattr(agreements, "record_decision", probe(agreements.record_decision))
    monkeypatch.setattr(admin, "status_matrix", probe(admin.status_matrix))
    headers = auth(world.tokens["sagsbehandler"])

    async def main() -> list[int]:
        async with _client(app) as client:
            parties = await _parties(client, world, headers, 8)
            calls = [_on_agenda(client, world, party, headers) for party in parties]
            calls += [client.get(f"/status?region={r}", headers=headers)
                      for r in ("midtjylland", "syddanmark", "nordjylland", "sjaelland")]
            return [r.status_code for r in await asyncio.gather(*calls)]

    assert run_on_own_thread(main()) == [200] * 12
    assert most == [1]


def test_a_slow_export_keeps_to_the_shared_pool_and_holds_up_no_decision(
        app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long routes are not in the quick lane: decisions made while an export runs are done
    before it."""
    from aftaleflow.api.routes import data

    original = data.export

    def slow_export(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.6)
        return original(*args, **kwargs)

    monkeypatch.setattr(data, "export", slow_export)
    headers = auth(world.tokens["sagsbehandler"])
    finished: list[str] = []

    async def main() -> None:
        async with _client(app) as client:
            parties = await _parties(client, world, headers, 3)

            async def exporting() -> None:
                answer = await client.get("/exports/matrix?format=csv", headers=headers)
                assert answer.status_code == 200
                finished.append("eksport")

            async def deciding(party: str) -> None:
                await asyncio.sleep(0.1)  # the export is under way
                answer = await _on_agenda(client, world, party, headers)
                assert answer.status_code == 200, answer.text
                finished.append(party)

            await asyncio.gather(exporting(), *(deciding(p) for p in parties))

    run_on_own_thread(main())
    assert finished[-1] == "eksport" and len(finished) == 4
