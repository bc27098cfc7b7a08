"""Mail wording from one place (issue 20, rule 7), on a copy of the demo database.

The demo's Lillebælt agreement still waits for the regionsråd, whose deadline was
3 November 2026. A sweep on 6 December 2026 sends its rykker 2 and the escalation: both say
"fristen overskredet (3. november 2026)", never "frist i dag" — in the mail, the outbox
listing, the dashboard and the rykker letter alike. The regionsråd's draft agenda item names
the region and its regionsråd, never "kommunen".
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader

from aftaleflow.api.app import create_app
from aftaleflow.domain.wording import deadline_phrase
from aftaleflow.services.agreements.cases import list_agreements
from aftaleflow.services.mail.reminders import plan_reminders
from aftaleflow.services.uow import ServiceContext
from tests.documents.pdftext import full_text
from tests.factories import MovableClock
from tests.smtp_server import SmtpTestServer
from tests.web.conftest import log_in

TODAY = date(2026, 12, 6)
DEADLINE = date(2026, 11, 3)  # the regionsråd's deadline in the demo's Lillebælt agreement
OVERDUE = "fristen overskredet (3. november 2026)"
TITLE = "Børn og unge i mistrivsel"


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


@pytest.fixture
def lillebaelt(ctx: ServiceContext) -> int:
    return next(a.id for a in list_agreements(ctx, text=TITLE))


def _cli(engine, *args: str, **env: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    full = dict(os.environ, AFTALEFLOW_DATABASE_URL=engine.url.render_as_string(
        hide_password=False), AFTALEFLOW_TODAY=TODAY.isoformat(), AFTALEFLOW_ACTOR="cli-test",
        **env)
    return subprocess.run([sys.executable, "-m", "aftaleflow", *args], env=full,
                          capture_output=True, text=True, timeout=300)


def test_a_deadline_is_worded_by_the_day_it_is_read() -> None:
    assert deadline_phrase(DEADLINE, date(2026, 10, 20)) == "frist 3. november 2026"
    assert deadline_phrase(DEADLINE, DEADLINE) == "frist i dag"
    assert deadline_phrase(DEADLINE, TODAY) == OVERDUE


def test_a_late_sweep_says_the_deadline_is_past_in_mail_and_outbox_through_the_cli(
        demo_engine) -> None:
    planned = _cli(demo_engine, "remind", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    late = [line for line in planned.stdout.splitlines() if "Regionsrådet" in line]
    assert len(late) == 2 and all(OVERDUE in line for line in late)  # rykker 2, eskalering
    with SmtpTestServer() as server:
        sent = _cli(demo_engine, "remind", AFTALEFLOW_SMTP_HOST="127.0.0.1",
                    AFTALEFLOW_SMTP_PORT=str(server.port))
        assert sent.returncode == 0, sent.stderr
        subjects = [r.message["Subject"] for r in server.received]
    ours = [s for s in subjects if TITLE in s]
    assert sorted(s.split(":")[0] for s in ours) == ["2. rykker", "Eskalering"]
    assert all(s.endswith(f"– {OVERDUE}") for s in ours), ours
    assert not any("frist i dag" in s for s in subjects)
    listed = _cli(demo_engine, "outbox", "list").stdout
    assert f"2. rykker: godkendelse af '{TITLE}' – {OVERDUE}" in listed
    assert f"1. rykker: godkendelse af '{TITLE}' – frist 3. november 2026" in listed  # in Oct.
    assert "frist i dag" not in listed


def test_on_the_deadline_day_the_reminder_says_frist_i_dag(ctx, lillebaelt) -> None:
    on_the_day = [m for m in plan_reminders(ctx, DEADLINE) if m.agreement_id == lillebaelt]
    assert [(m.kind, m.deadline_text) for m in on_the_day] == [("rykker_2", "frist i dag")]
    assert on_the_day[0].subject.endswith("– frist i dag")
    weeks_later = [m for m in plan_reminders(ctx, TODAY) if m.agreement_id == lillebaelt]
    assert {m.deadline_text for m in weeks_later} == {OVERDUE}
    assert all(f"'{TITLE}': {OVERDUE}." in m.body for m in weeks_later
               if m.kind == "rykker_2")


def test_the_dashboard_words_the_partys_deadline_the_same_way(app, demo_world,
                                                              lillebaelt) -> None:
    log_in(app, demo_world.tokens["sagsbehandler"])
    page = app.get(f"/ui/aftaler/{lillebaelt}/parter/rr-syddanmark")
    assert page.status_code == 200, page.text
    assert f"<strong>{OVERDUE.capitalize()}</strong>" in page.text


def test_the_rykker_letter_is_titled_as_the_mail_through_the_api(app, demo_world,
                                                                 lillebaelt) -> None:
    clerk = {"Authorization": f"Bearer {demo_world.tokens['udvalgssekretaer']}"}
    made = app.post(f"/agreements/{lillebaelt}/letters", headers=clerk,
                    json={"kind": "rykker", "party": "regionsraadet"})
    assert made.status_code == 201, made.text
    pdf = app.get(f"/documents/{made.json()['id']}", headers=clerk).content
    title = PdfReader(io.BytesIO(pdf)).metadata.title
    assert title == f"Rykker: godkendelse af samarbejdsaftalen »{TITLE}« – {OVERDUE}"


def _no_kommunen(text: str) -> bool:
    return re.search(r"\bkommunens?\b", text) is None


def test_the_regionsraads_draft_names_the_region_and_its_regionsraad_through_the_api(
        app, demo_world, lillebaelt) -> None:
    clerk = {"Authorization": f"Bearer {demo_world.tokens['udvalgssekretaer']}"}
    for party in ("regionsraadet", "Vejen"):
        made = app.post(f"/agreements/{lillebaelt}/letters", headers=clerk,
                        json={"kind": "anmodning_om_godkendelse", "party": party})
        assert made.status_code == 201, made.text
    drafts = {d["body_key"]: d for d in
              app.get(f"/agreements/{lillebaelt}/drafts", headers=clerk).json()}

    def word_text(body_key: str) -> str:
        docx = next(d for d in drafts[body_key]["documents"]
                    if d["kind"] == "udkast_dagsordenpunkt_docx")
        data = app.get(f"/documents/{docx['id']}", headers=clerk).content
        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)

    region = word_text("rr-syddanmark")
    assert "Regionsrådet, Region Syddanmark" in region
    assert "beder om Region Syddanmarks beslutning i regionsrådet senest 3. november 2026" \
        in region
    assert "(udfyldes af regionen)" in region and _no_kommunen(region)
    council = word_text("kb-575")
    assert "beder om kommunens beslutning senest" in council
    assert "(udfyldes af kommunen)" in council


def test_the_regionsraads_draft_in_its_letter_through_the_cli(demo_engine, lillebaelt,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "brev.pdf"
    made = _cli(demo_engine, "render", "letter", "anmodning_om_godkendelse", str(lillebaelt),
                "--party", "regionsrådet", "-o", str(out))
    assert made.returncode == 0, made.stderr
    text = full_text(out.read_bytes())
    draft = text[text.index("Udkast til dagsordenpunkt for"):]
    assert "beder om Region Syddanmarks beslutning i regionsrådet senest 3. november 2026" \
        in draft
    assert "(udfyldes af regionen)" in draft and _no_kommunen(draft)
