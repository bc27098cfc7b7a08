"""Irreversible actions need a reason in the service layer (issue 20, rule 6).

What `domain/machines.py` declares irreversible (tilbagetraek, marker_udloebet,
marker_erstattet, afvis) is refused without a reason by CLI, API and dashboard alike, in
Danish, with exit code 2 / status 422, and nothing is written; with a reason it goes through.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from aftaleflow.api.app import create_app
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.machines import AGREEMENT, APPROVAL, MACHINES
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement
from aftaleflow.services.meetings.agenda import decide_item, get_meeting
from aftaleflow.services.uow import ServiceContext
from tests.conftest import dump
from tests.web.conftest import csrf_of, log_in, web_clock

WITHDRAW = "«Træk aftalen tilbage» kan ikke gøres om: skriv begrundelsen"
REJECT = "«Afvis» kan ikke gøres om: skriv begrundelsen"


@pytest.fixture
def ctx(demo_engine) -> ServiceContext:  # type: ignore[no-untyped-def]
    return ServiceContext(engine=demo_engine, actor="test", clock=web_clock())


@pytest.fixture
def app(demo_engine) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(demo_engine, web_clock()), raise_server_exceptions=True)


def _cli(engine, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=engine.url.render_as_string(
        hide_password=False), AFTALEFLOW_TODAY="2026-10-26", AFTALEFLOW_ACTOR="cli-test")
    return subprocess.run([sys.executable, "-m", "aftaleflow", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_machine_declaration_decides_which_actions_need_a_reason() -> None:
    needing = {(m.name, t) for m in MACHINES.values() for t in m.triggers if m.needs_reason(t)}
    assert needing == {("agreement", "tilbagetraek"), ("agreement", "marker_udloebet"),
                       ("agreement", "marker_erstattet"), ("approval", "afvis")}
    assert all(t.irreversible for m in MACHINES.values() for t in m.transitions
               if (m.name, t.trigger) in needing)
    with pytest.raises(ValidationFailed, match="skriv begrundelsen"):
        APPROVAL.require_reason("afvis", "   ")
    AGREEMENT.require_reason("send_til_ssu", None)  # an everyday action needs none


def test_withdrawal_and_rejection_without_a_reason_are_refused_by_the_cli(
        demo_engine, demo_world) -> None:
    before = dump(demo_engine)
    withdraw = _cli(demo_engine, "agreement", "advance", str(demo_world.midt_open),
                    "tilbagetraek")
    assert withdraw.returncode == 2 and WITHDRAW in withdraw.stderr
    assert "Traceback" not in withdraw.stderr
    reject = _cli(demo_engine, "approval", "record", str(demo_world.midt_open), "Holstebro",
                  "afvist", "--meeting-date", "2026-10-20")
    assert reject.returncode == 2 and REJECT in reject.stderr
    assert dump(demo_engine) == before
    done = _cli(demo_engine, "approval", "record", str(demo_world.midt_open), "Holstebro",
                "afvist", "--meeting-date", "2026-10-20", "--comment", "Økonomien mangler")
    assert done.returncode == 0, done.stderr


def test_withdrawal_and_rejection_without_a_reason_are_refused_by_the_api(
        app, demo_engine, demo_world) -> None:
    h = {"Authorization": f"Bearer {demo_world.tokens['sagsbehandler']}"}
    url = f"/agreements/{demo_world.midt_open}"
    etag = app.get(url, headers=h).headers["ETag"]
    before = dump(demo_engine)
    for comment in (None, "  "):
        refused = app.post(f"{url}/transitions", headers={**h, "If-Match": etag},
                           json={"trigger": "tilbagetraek", "comment": comment})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert WITHDRAW in refused.json()["detail"]
    part = {"Authorization": f"Bearer {demo_world.tokens['part']}"}
    rejected = app.post(f"{url}/approvals/Herning", headers=part,
                        json={"decision": "afvist", "meeting_date": "2026-10-20"})
    assert rejected.status_code == 422 and REJECT in rejected.json()["detail"]
    assert dump(demo_engine) == before
    done = app.post(f"{url}/transitions", headers={**h, "If-Match": etag},
                    json={"trigger": "tilbagetraek", "comment": "Erstattes af national aftale"})
    assert done.status_code == 200 and done.json()["state"] == "tilbagetrukket"


def test_the_dashboard_shows_the_services_refusal(app, demo_engine, demo_world, ctx) -> None:
    log_in(app, demo_world.tokens["sagsbehandler"])
    url = f"/ui/aftaler/{demo_world.midt_open}/handling/tilbagetraek"
    version = str(get_agreement(ctx, demo_world.midt_open).version)
    before = dump(demo_engine)
    refused = app.post(url, data={"csrf": csrf_of(app), "version": version, "comment": " "})
    assert WITHDRAW in refused.text
    assert dump(demo_engine) == before


def test_marking_expired_or_replaced_needs_a_reason_too(ctx, demo_world) -> None:
    first = get_agreement(ctx, 1)  # the demo's Midtjylland agreement
    assert first.state == "implementeret"
    for trigger in ("marker_udloebet", "marker_erstattet"):
        with pytest.raises(ValidationFailed, match="kan ikke gøres om: skriv begrundelsen"):
            advance_agreement(ctx, first.id, trigger)
    assert get_agreement(ctx, first.id).state == "implementeret"
    done = advance_agreement(ctx, first.id, "marker_erstattet", comment="Ny aftale 2027")
    assert done.state == "erstattet"


def test_a_beslutning_of_afvist_at_the_council_meeting_is_its_own_reason(ctx, demo_world
                                                                           ) -> None:
    item = next(i for i in get_meeting(ctx, demo_world.meeting).items if i.agreement_id)
    decide_item(ctx, item.id, "Byrådet kunne ikke godkende aftalen.", "afvist")
    view = get_agreement(ctx, demo_world.midt_open)
    herning = next(a for a in view.approvals if a.body_key == "kb-657")
    assert herning.state == "afvist"
    assert herning.comment == "Byrådet kunne ikke godkende aftalen."
    assert view.state == "genforhandling"
