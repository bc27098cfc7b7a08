"""The demo story in a database made once per session; apps, live servers and Chromium on it."""

from __future__ import annotations

import itertools
import os
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftaleflow.api.app import create_app
from aftaleflow.config import TIMEZONE
from aftaleflow.db import get_engine, make_engine
from aftaleflow.domain.access import Role
from aftaleflow.services.access.users import create_user
from aftaleflow.services.agreements.cases import advance_agreement, list_agreements
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.uow import ServiceContext
from tests.conftest import Databases
from tests.factories import TRIAL_GOEDSTRUP, MovableClock, new_agreement

WEB_TODAY = date(2026, 10, 26)  # after the demo's reminder round; Herning meets in November
NEXT_MEETING = datetime(2026, 11, 17, 17, 0, tzinfo=TIMEZONE)
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
AXE_DIR = Path(__file__).resolve().parent / ".axe"
_names = itertools.count()


@dataclass
class DemoWorld:
    tokens: dict[str, str]
    midt_open: int  # Midtjylland regional agreement in godkendelse; Herning is a party
    renegotiation: int  # the demo's Syddanmark agreement, rejected by Vejen: genforhandling
    meeting: int  # Herning's council meeting in November with two items


def web_clock() -> MovableClock:
    clock = MovableClock()
    clock.set(WEB_TODAY)
    return clock


def _seed(url: str) -> DemoWorld:
    from aftaleflow.demo import run_demo

    os.environ["AFTALEFLOW_DATABASE_URL"] = url
    try:
        run_demo()
    finally:
        os.environ.pop("AFTALEFLOW_DATABASE_URL", None)
        get_engine(url).dispose()
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="test", clock=web_clock())
    renegotiation = next(a.id for a in list_agreements(ctx, state="genforhandling"))
    midt = new_agreement(ctx, TRIAL_GOEDSTRUP)
    for trigger in ("forelaeg_ssu", "paabegynd_udarbejdelse", "send_til_ssu",
                    "indstil_til_godkendelse"):
        midt = advance_agreement(ctx, midt.id, trigger)
    meeting = create_meeting(ctx, "kb-657", NEXT_MEETING, "Byrådssalen, Herning Rådhus")
    add_item(ctx, meeting.id, NewItem(title="Godkendelse af dagsorden",
                                      recommendations=["at dagsordenen godkendes."]))
    add_item(ctx, meeting.id, NewItem(agreement_id=midt.id))
    tokens = {}
    for role in Role:
        body = "kb-657" if role == Role.PARTY else None
        _user, tokens[role.value] = create_user(ctx, f"Test {role.value}", role.value, body,
                                                days=3650)  # outlive clocks moved to 2027
    engine.dispose()
    return DemoWorld(tokens=tokens, midt_open=midt.id, renegotiation=renegotiation,
                     meeting=meeting.id)


@pytest.fixture(scope="session")
def demo_world(databases: Databases) -> DemoWorld:
    return _seed(databases.create("webdemo"))


@pytest.fixture
def demo_engine(databases: Databases, demo_world: DemoWorld) -> Iterator[object]:
    name = f"web{next(_names)}"
    engine = make_engine(databases.create(name, "webdemo"))
    yield engine
    engine.dispose()
    databases.drop(name)


@pytest.fixture
def web_app(demo_engine):  # type: ignore[no-untyped-def]
    return create_app(demo_engine, web_clock())


@pytest.fixture
def web(web_app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(web_app, raise_server_exceptions=True)


def login_data(client: TestClient, token: str, naeste: str = "/ui/") -> dict[str, str]:
    """The login form's fields as the browser sends them: the form is fetched first, for the
    CSRF nonce that must match the login cookie."""
    import re

    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/login").text)
    assert match, "no CSRF field on the login form"
    return {"token": token, "naeste": naeste, "csrf": match.group(1)}


def log_in(client: TestClient, token: str) -> TestClient:
    response = client.post("/ui/login", data=login_data(client, token),
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient, path: str = "/ui/") -> str:
    import re

    match = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert match, "no CSRF field on the page"
    return match.group(1)


def feed_address(client: TestClient, token: str) -> str:
    """Log in and make the user's calendar address on the Kalender page (shown once)."""
    import re

    log_in(client, token)
    page = client.post("/ui/kalender/noegle", data={"csrf": csrf_of(client, "/ui/kalender")})
    assert page.status_code == 200, page.text
    match = re.search(r'<code class="feed">(http[^<]+noegle=afk_[^<]+)</code>', page.text)
    assert match, "no calendar address on the page"
    return match.group(1)


# --- the browser --------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from the npm registry, cached in tests/web/.axe/ (git-ignored). No skipping:
    without it the accessibility checks cannot run, so the fixture fails loudly."""
    script = AXE_DIR / "package" / "axe.min.js"
    if script.exists():
        return script
    AXE_DIR.mkdir(exist_ok=True)
    result = subprocess.run(["npm", "pack", "axe-core@4", "--pack-destination", str(AXE_DIR)],
                            capture_output=True, text=True, timeout=180, check=False)
    if result.returncode != 0:
        pytest.fail(f"npm pack axe-core@4 failed (is the npm registry reachable?):\n"
                    f"{result.stdout}\n{result.stderr}")
    tarball = sorted(AXE_DIR.glob("axe-core-*.tgz"))[-1]
    with tarfile.open(tarball) as archive:
        member = archive.getmember("package/axe.min.js")
        archive.extract(member, AXE_DIR, filter="data")
    assert script.exists(), f"{script} missing after unpacking {tarball}"
    return script


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
