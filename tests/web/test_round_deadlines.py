"""A round's deadlines belong to the round (issue 20, rule 3), on a copy of the demo database.

The demo's Syddanmark agreement was given a fixed deadline, 30 June 2026, for its first round;
Vejen rejected it. Revised and recommended again on 6 December 2026, its second round counts
from that day by the deadline policy (40 business days for a council, 45 for the regionsråd),
nobody is over the deadline on the first day, the request letter asks for an answer by the
new date, and the reminder sweep has nothing to send for it that day.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aftaleflow.api.app import create_app
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.services.agreements.cases import get_agreement, list_agreements
from aftaleflow.services.agreements.texts import TextRevision, revise_text
from aftaleflow.services.mail.reminders import plan_reminders
from aftaleflow.services.uow import ServiceContext
from tests.conftest import dump
from tests.documents.pdftext import full_text
from tests.factories import MovableClock
from tests.web.conftest import csrf_of, log_in

TODAY = date(2026, 12, 6)
COUNCILS_DUE = date(2027, 2, 4)  # 40 business days from 6 December 2026 (24/12, 31/12 closed)
REGION_DUE = date(2027, 2, 11)  # the regionsråd's own rule: 45
OLD_FIXED = date(2026, 6, 30)  # the first round's fixed deadline, given when it was created


@pytest.fixture
def clock() -> MovableClock:
    clock = MovableClock()
    clock.set(TODAY)
    return clock


@pytest.fixture
def ctx(demo_engine, clock) -> ServiceContext:  # type: ignore[no-untyped-def]
    return ServiceContext(engine=demo_engine, actor="test", clock=clock)


@pytest.fixture
def app(demo_engine, clock) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(demo_engine, clock), raise_server_exceptions=True)


def _cli(engine, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=engine.url.render_as_string(
        hide_password=False), AFTALEFLOW_TODAY=TODAY.isoformat(), AFTALEFLOW_ACTOR="cli-test")
    return subprocess.run([sys.executable, "-m", "aftaleflow", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def _revise(ctx: ServiceContext, agreement_id: int) -> None:
    revise_text(ctx, agreement_id, TextRevision(
        description="Økonomien i udskrivelsesforløbene er afklaret.",
        comment="Rettet efter Vejens afslag"))


def _assert_round_two_is_its_own(ctx: ServiceContext, agreement_id: int) -> None:
    """Deadlines from the round's start day, nobody late, nothing to remind about today."""
    view = get_agreement(ctx, agreement_id)
    assert view.round_no == 2 and view.approvals_total == 23
    deadlines = {a.body_kind: a.deadline for a in view.approvals}
    assert deadlines == {"kommunalbestyrelse": COUNCILS_DUE, "regionsraad": REGION_DUE}
    cal = load_policy().calendar
    assert cal.business_days_between(TODAY, COUNCILS_DUE) == 40
    assert cal.business_days_between(TODAY, REGION_DUE) == 45
    assert not any(a.past_deadline for a in view.approvals)
    assert "40 hverdage fra rundens start" in {a.deadline_rule for a in view.approvals
                                               if a.body_kind == "kommunalbestyrelse"}.pop()
    assert view.approval_deadline is None  # round 1's fixed deadline is not round 2's
    assert agreement_id not in {a.id for a in list_agreements(ctx, overdue=True)}
    assert [m for m in plan_reminders(ctx, TODAY) if m.agreement_id == agreement_id] == []


def test_round_after_renegotiation_counts_from_its_own_start_through_the_cli(
        demo_engine, demo_world, ctx, tmp_path: Path) -> None:
    agreement = demo_world.renegotiation
    revised = _cli(demo_engine, "agreement", "revise", str(agreement), "--description",
                   "Økonomien i udskrivelsesforløbene er afklaret.")
    assert revised.returncode == 0, revised.stderr
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        step = _cli(demo_engine, "agreement", "advance", str(agreement), trigger)
        assert step.returncode == 0, step.stderr
    assert "Godkendelsesrunde 2: 0 af 23 godkendt." in step.stdout
    _assert_round_two_is_its_own(ctx, agreement)
    status = json.loads(_cli(demo_engine, "status", "--json").stdout)
    row = next(a for a in status["agreements"] if a["id"] == agreement)
    assert {p["deadline"] for p in row["approvals"]} == {COUNCILS_DUE.isoformat(),
                                                         REGION_DUE.isoformat()}
    assert not any(p["past_deadline"] for p in row["approvals"])
    shown = _cli(demo_engine, "agreement", "show", str(agreement)).stdout
    assert "frist 04.02.2027" in shown and "OVER FRISTEN" not in shown
    assert "30.06.2026" not in shown
    letter = tmp_path / "brev.pdf"
    made = _cli(demo_engine, "render", "letter", "anmodning_om_godkendelse", str(agreement),
                "--party", "Vejen", "-o", str(letter))
    assert made.returncode == 0, made.stderr
    text = full_text(letter.read_bytes())
    assert "Svarfrist: 4. februar 2027" in text and "30. juni 2026" not in text
    planned = _cli(demo_engine, "remind", "--dry-run").stdout
    assert "Vejen" not in planned and "Aabenraa" not in planned


def test_round_after_renegotiation_counts_from_its_own_start_through_the_api(
        app, demo_world, ctx) -> None:
    agreement = demo_world.renegotiation
    h = {"Authorization": f"Bearer {demo_world.tokens['sagsbehandler']}"}
    etag = app.get(f"/agreements/{agreement}", headers=h).headers["ETag"]
    revised = app.post(f"/agreements/{agreement}/texts", headers={**h, "If-Match": etag},
                       json={"description": "Økonomien i udskrivelsesforløbene er afklaret."})
    assert revised.status_code == 200, revised.text
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        etag = app.get(f"/agreements/{agreement}", headers=h).headers["ETag"]
        moved = app.post(f"/agreements/{agreement}/transitions", json={"trigger": trigger},
                         headers={**h, "If-Match": etag})
        assert moved.status_code == 200, moved.text
    body = moved.json()
    assert {a["deadline"] for a in body["approvals"]} == {COUNCILS_DUE.isoformat(),
                                                          REGION_DUE.isoformat()}
    assert not any(a["past_deadline"] for a in body["approvals"])
    assert body["approval_deadline"] is None
    overdue = app.get("/agreements?overdue=true", headers=h).json()
    assert agreement not in [a["id"] for a in overdue["items"]]
    _assert_round_two_is_its_own(ctx, agreement)
    clerk = {"Authorization": f"Bearer {demo_world.tokens['udvalgssekretaer']}"}
    made = app.post(f"/agreements/{agreement}/letters", headers=clerk,
                    json={"kind": "anmodning_om_godkendelse", "party": "Vejen"})
    assert made.status_code == 201, made.text
    pdf = app.get(f"/documents/{made.json()['id']}", headers=clerk).content
    assert "Svarfrist: 4. februar 2027" in full_text(pdf)


def test_round_after_renegotiation_counts_from_its_own_start_through_the_dashboard(
        app, demo_world, ctx) -> None:
    agreement = demo_world.renegotiation
    _revise(ctx, agreement)  # the dashboard offers no text editing; the actions it offers:
    log_in(app, demo_world.tokens["sagsbehandler"])
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        url = f"/ui/aftaler/{agreement}/handling/{trigger}"
        form = app.get(url).text
        assert ('name="approval_deadline"' in form) == (trigger == "indstil_til_godkendelse")
        done = app.post(url, data={"csrf": csrf_of(app), "comment": "",
                                   "version": str(get_agreement(ctx, agreement).version)})
        assert "udført" in done.text, done.text
    page = app.get(f"/ui/aftaler/{agreement}").text
    assert "04.02.2027" in page and "11.02.2027" in page
    assert "(over fristen)" not in page and "30.06.2026" not in page
    _assert_round_two_is_its_own(ctx, agreement)


def test_a_new_fixed_deadline_may_be_given_when_the_round_starts(app, demo_world, ctx,
                                                                   demo_engine) -> None:
    agreement = demo_world.renegotiation
    _revise(ctx, agreement)
    h = {"Authorization": f"Bearer {demo_world.tokens['sagsbehandler']}"}
    for trigger, extra in (("send_til_ssu", {}),
                           ("indstil_til_godkendelse", {"approval_deadline": "2027-03-01"})):
        etag = app.get(f"/agreements/{agreement}", headers=h).headers["ETag"]
        moved = app.post(f"/agreements/{agreement}/transitions",
                         json={"trigger": trigger, **extra}, headers={**h, "If-Match": etag})
        assert moved.status_code == 200, moved.text
    body = moved.json()
    assert {a["deadline"] for a in body["approvals"]} == {"2027-03-01"}
    assert body["approval_deadline"] == "2027-03-01"
    assert {a["deadline_rule"] for a in body["approvals"]} == {
        "fast frist sat på aftalen; " + load_policy().calendar.rule_text()}
    history = app.get(f"/agreements/{agreement}/history", headers=h).json()
    assert "Fast frist for godkendelsesrunde 2: 1. marts 2027" in history[-1]["comment"]


def test_a_round_never_starts_with_a_deadline_in_the_past(app, demo_world, ctx,
                                                          demo_engine) -> None:
    agreement = demo_world.renegotiation
    _revise(ctx, agreement)
    moved = _cli(demo_engine, "agreement", "advance", str(agreement), "send_til_ssu")
    assert moved.returncode == 0, moved.stderr
    log_in(app, demo_world.tokens["sagsbehandler"])  # logging in is an audit event itself
    before = dump(demo_engine)
    refused = _cli(demo_engine, "agreement", "advance", str(agreement),
                   "indstil_til_godkendelse", "--approval-deadline", "2026-11-30")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "Fristen 30. november 2026 for godkendelsesrunde 2 er allerede overskredet" \
        in refused.stderr
    h = {"Authorization": f"Bearer {demo_world.tokens['sagsbehandler']}"}
    etag = app.get(f"/agreements/{agreement}", headers=h).headers["ETag"]
    problem = app.post(f"/agreements/{agreement}/transitions", headers={**h, "If-Match": etag},
                       json={"trigger": "indstil_til_godkendelse",
                             "approval_deadline": "2026-06-30"})
    assert problem.status_code == 422
    assert "Fristen 30. juni 2026 for godkendelsesrunde 2" in problem.json()["detail"]
    page = app.post(f"/ui/aftaler/{agreement}/handling/indstil_til_godkendelse",
                    data={"csrf": csrf_of(app), "approval_deadline": "2026-12-01",
                          "version": str(get_agreement(ctx, agreement).version)})
    assert "Fristen 1. december 2026 for godkendelsesrunde 2 er allerede overskredet" \
        in page.text
    assert dump(demo_engine) == before
    assert get_agreement(ctx, agreement).state == "til_behandling_i_ssu"


def test_an_agreement_is_never_given_a_deadline_already_past(app, demo_world) -> None:
    h = {"Authorization": f"Bearer {demo_world.tokens['sagsbehandler']}"}
    refused = app.post("/agreements", headers=h, json={
        "title": "Fælles medicinhåndtering", "kind": "regional_samarbejdsaftale",
        "origin": "ssu_bestilling", "region": "syddanmark", "kle_number": "29.30.08-P27-9-26",
        "case_handler": "Ane Holm", "approval_deadline": OLD_FIXED.isoformat()})
    assert refused.status_code == 422
    assert "Fristen 30. juni 2026 for godkendelsesrunde 1" in refused.json()["detail"]
