"""The dashboard's meeting form takes a day with or without a time, as the service does."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aftaleflow.services.meetings.agenda import list_meetings
from aftaleflow.services.uow import ServiceContext
from tests.conftest import dump
from tests.web.conftest import DemoWorld, csrf_of, log_in, web_clock
from tests.web.test_browser import base, page  # noqa: F401  (the live server and Chromium)
from tests.web.test_browser import log_in as browser_log_in


def _new_meeting(web, **fields: str):  # type: ignore[no-untyped-def]
    return web.post("/ui/moeder", data={"csrf": csrf_of(web, "/ui/moeder"), "body": "kb-657",
                                        "place": "Byrådssalen", **fields})


def _meetings(engine) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    ctx = ServiceContext(engine=engine, actor="test", clock=web_clock())
    return {f"{m.starts_at:%Y-%m-%d %H:%M}": m.has_time for m in list_meetings(ctx)}


def test_a_meeting_without_a_time_is_created_from_the_dashboard(web, demo_world,
                                                                demo_engine) -> None:
    log_in(web, demo_world.tokens["udvalgssekretaer"])
    form = web.get("/ui/moeder").text
    assert re.search(r'<input id="dato" name="dato" type="date" required>', form)
    assert re.search(r'<input id="klokken" name="klokken" type="time">', form)  # optional
    created = _new_meeting(web, dato="2026-12-08", klokken="")
    assert "Mødet i Kommunalbestyrelsen, Herning Kommune er oprettet." in created.text
    assert "08.12.2026 (klokkeslæt ikke fastsat), Byrådssalen" in created.text
    assert _meetings(demo_engine)["2026-12-08 00:00"] is False
    assert "08.12.2026 (klokkeslæt ikke fastsat)" in web.get("/ui/moeder").text


def test_a_meeting_with_a_time_keeps_it(web, demo_world, demo_engine) -> None:
    log_in(web, demo_world.tokens["udvalgssekretaer"])
    created = _new_meeting(web, dato="2026-12-08", klokken="16:30")
    assert "08.12.2026 16:30, Byrådssalen" in created.text
    assert _meetings(demo_engine)["2026-12-08 16:30"] is True


@pytest.mark.parametrize(("fields", "message"), [
    ({"dato": "", "klokken": "17:00"}, "Mødedatoen skal være en dato"),
    ({"dato": "2026-12-08", "klokken": "kl. 5"}, "Klokkeslættet skal være fx 17:00"),
])
def test_a_missing_day_or_a_wrong_time_is_refused_and_writes_nothing(
        web, demo_world, demo_engine, fields: dict[str, str], message: str) -> None:
    log_in(web, demo_world.tokens["udvalgssekretaer"])
    before = dump(demo_engine)
    refused = _new_meeting(web, **fields)
    assert message in refused.text and "Traceback" not in refused.text
    assert dump(demo_engine) == before


@pytest.mark.slow
def test_the_clerk_creates_a_meeting_in_chromium_without_a_time(
        page: Any, base: str, demo_world: DemoWorld) -> None:  # noqa: F811
    browser_log_in(page, base, demo_world.tokens["udvalgssekretaer"])
    page.goto(f"{base}/ui/moeder")
    page.get_by_label("Dato", exact=True).fill("2026-12-08")
    page.get_by_label("Mødested").fill("Byrådssalen")
    page.get_by_role("button", name="Opret møde").click()
    assert "er oprettet" in page.get_by_role("status").inner_text()
    assert "08.12.2026 (klokkeslæt ikke fastsat)" in page.locator("main").inner_text()
