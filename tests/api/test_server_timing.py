"""Every answer says how long the server worked on it (`Server-Timing`), and nothing more."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.conftest import World, auth
from tests.web.conftest import log_in

TIMING = re.compile(r"^app;dur=(\d+\.\d), cpu;dur=(\d+\.\d)$")


def _timing(response) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    values = response.headers.get_list("server-timing")
    assert len(values) == 1, values
    match = TIMING.match(values[0])
    assert match, values[0]  # the two figures and nothing else: no route, query, user or SQL
    return float(match.group(1)), float(match.group(2))


def test_an_api_answer_carries_the_servers_wall_and_cpu_milliseconds(
        client: TestClient, world: World) -> None:
    response = client.get("/status?region=midtjylland", headers=auth(world.tokens["leder"]))
    assert response.status_code == 200
    wall, cpu = _timing(response)
    assert wall > 0 and cpu > 0  # it did work: reading the matrix costs some CPU
    assert "midtjylland" not in response.headers["server-timing"]


def test_a_dashboard_page_and_a_refusal_carry_it_too(client: TestClient, world: World) -> None:
    token = world.tokens["sagsbehandler"]
    refused = client.get("/agreements", headers=auth("af_" + "x" * 40))
    assert refused.status_code == 401
    _timing(refused)
    log_in(client, token)
    page = client.get(f"/ui/aftaler/{world.midt}")
    assert page.status_code == 200
    _timing(page)
    assert token not in page.headers["server-timing"]  # (the pattern allows two figures only)


def test_a_bodys_size_refusal_and_a_missing_page_are_timed(client: TestClient) -> None:
    too_large = client.post("/agreements", content=b"x" * (5 * 1024 * 1024),
                            headers={"content-type": "application/json"})
    assert too_large.status_code == 413
    _timing(too_large)
    _timing(client.get("/findes-ikke"))
