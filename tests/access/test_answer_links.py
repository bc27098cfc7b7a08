"""A council answers from its request mail: one answer link per party and round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from aftaleflow.api.app import create_app
from aftaleflow.domain.model import AnswerLink, AuditEvent
from aftaleflow.services.access import answer_links as links
from aftaleflow.services.access.users import hash_token
from aftaleflow.services.agreements.approvals import Decision
from aftaleflow.services.agreements.cases import get_agreement
from aftaleflow.web import answer
from tests.access.conftest import PARTY, Mailed


@pytest.fixture
def client(engine, clock) -> TestClient:
    answer.throttle = answer.Throttle()
    return TestClient(create_app(engine, clock))


def _state(ctx, agreement_id: int, party: str = PARTY) -> str:
    view = get_agreement(ctx, agreement_id)
    return next(a.state for a in view.approvals if a.body_key == party)


def test_every_request_mail_carries_its_own_link_stored_only_as_a_hash(ctx, mailed: Mailed,
                                                                       engine) -> None:
    secrets = {key: mailed.link_of(key) for key in
               {r.split("@")[0] for m in mailed.mails for r in m.rcpt_tos}}
    assert len(secrets) == 7 and len(set(secrets.values())) == 7
    assert all(len(s) >= 4 + 43 for s in secrets.values())  # afl_ + 256 bits in base64url
    with Session(engine) as s:
        stored = s.exec(select(AnswerLink)).all()
        outbox_bodies = s.exec(select(__import__("aftaleflow.domain.outbox", fromlist=["x"])
                                      .OutboxMessage.body)).all()
    assert {row.secret_hash for row in stored} == {hash_token(x) for x in secrets.values()}
    dumped = " ".join(str(v) for row in stored for v in row.model_dump().values())
    assert not any(x in dumped or any(x in b for b in outbox_bodies) for x in secrets.values())


def test_the_link_opens_without_a_session_and_records_the_decision_once(
        ctx, mailed: Mailed, client: TestClient, engine) -> None:
    secret = mailed.link_of(PARTY)
    page = client.get(f"/ui/svar/{secret}")
    assert page.status_code == 200, page.text
    assert "Kolding" in page.text and "Registrér jeres beslutning" in page.text
    assert "udkast.docx" in page.text and "Sagens forløb" in page.text
    assert client.get(f"/ui/svar/{secret}/udkast.docx").content[:2] == b"PK"
    assert client.get(f"/ui/svar/{secret}/udkast.pdf").content[:5] == b"%PDF-"
    # putting it on the agenda does not use the link up
    on_agenda = client.post(f"/ui/svar/{secret}", data={"decision": "dagsorden",
                                                         "meeting_date": "2026-03-20"})
    assert on_agenda.status_code == 200 and "Sat på dagsorden" in on_agenda.text
    done = client.post(f"/ui/svar/{secret}", data={"decision": "godkendt"})
    assert done.status_code == 200 and "Linket er brugt" in done.text
    assert _state(ctx, mailed.agreement.id) == "godkendt"
    again = client.get(f"/ui/svar/{secret}")
    assert again.status_code == 200 and 'id="link-used"' in again.text
    assert "Registrér jeres beslutning" not in again.text
    refused = client.post(f"/ui/svar/{secret}", data={"decision": "godkendt"})
    assert refused.status_code == 409 and "Linket er brugt" in refused.text
    with Session(engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.trigger == "godkend")).one()
    assert event.actor == f"svarlink til {PARTY}@aftaleflow.test"
    assert all(secret not in str(e) for e in _events(engine))


def test_a_forged_link_says_so_and_guessing_is_slowed_down(ctx, mailed: Mailed,
                                                           client: TestClient, caplog) -> None:
    real = mailed.link_of(PARTY)
    close = real[:-1] + ("A" if real[-1] != "A" else "B")
    for guess in (close, "afl_" + "x" * 43, close):
        page = client.get(f"/ui/svar/{guess}")
        assert page.status_code == 404
        assert "Linket er ugyldigt: det findes ikke" in page.text
        assert "Kontakt sagsbehandleren" in page.text
    client.get(f"/ui/svar/{close}")
    client.get(f"/ui/svar/{close}")
    slowed = client.get(f"/ui/svar/{real}")  # even the right one waits now, from that address
    assert slowed.status_code == 429 and "For mange" in slowed.text
    assert "Svarlink afvist (falsk) fra testclient" in caplog.text
    assert real not in caplog.text and close not in caplog.text


def test_a_revoked_link_is_refused_and_a_resent_one_works(ctx, mailed: Mailed,
                                                          client: TestClient) -> None:
    secret = mailed.link_of(PARTY)
    assert links.revoke_links(ctx, mailed.agreement.id, "Kolding") == 1
    page = client.get(f"/ui/svar/{secret}")
    assert page.status_code == 410 and "Linket er tilbagekaldt" in page.text
    assert "Kontakt sagsbehandleren" in page.text
    key = links.resend_link(ctx, mailed.agreement.id, "Kolding")
    assert key.startswith("anmodning_om_godkendelse:godkendelse:")


def test_a_link_expires_when_the_round_ends_or_days_after_the_deadline(
        ctx, mailed: Mailed, client: TestClient, clock, monkeypatch) -> None:
    # days after the deadline (AFTALEFLOW_ANSWER_LINK_DAYS): a new link made with the setting
    monkeypatch.setenv("AFTALEFLOW_ANSWER_LINK_DAYS", "2")
    view = get_agreement(ctx, mailed.agreement.id)
    mine = next(a for a in view.approvals if a.body_key == PARTY)
    secret = links.issue_link(ctx, mine.id, "kb-621@aftaleflow.test")
    assert client.get(f"/ui/svar/{secret}").status_code == 200
    clock.set(mine.deadline + timedelta(days=3))
    page = client.get(f"/ui/svar/{secret}")
    assert page.status_code == 410 and "Linket er udløbet" in page.text
    # the round ends (another party rejects): every open link of the round is expired
    other = mailed.link_of("kb-607")  # Fredericia
    from aftaleflow.services.agreements.approvals import record_decision
    record_decision(ctx, mailed.agreement.id, Decision(party="Vejle", decision="afvist",
                                                       comment="Nej"))
    ended = client.get(f"/ui/svar/{other}")
    assert ended.status_code == 410 and "godkendelsesrunden er afsluttet" in ended.text


def _events(engine) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent)).all())


def test_a_case_handler_revokes_and_resends_from_cli_and_api(ctx, mailed: Mailed, engine,
                                                             clock, db_url, monkeypatch
                                                             ) -> None:
    from typer.testing import CliRunner

    from aftaleflow.cli.app import app
    from aftaleflow.services.access.users import create_user

    monkeypatch.setenv("AFTALEFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("AFTALEFLOW_TODAY", f"{clock().date():%Y-%m-%d}")
    runner = CliRunner()
    listed = runner.invoke(app, ["link", "list", str(mailed.agreement.id), "Kolding"])
    assert listed.exit_code == 0 and "aktivt" in listed.output and "kb-621@" in listed.output
    revoked = runner.invoke(app, ["link", "revoke", str(mailed.agreement.id), "Kolding"])
    assert revoked.exit_code == 0 and "1 svarlink(s) tilbagekaldt" in revoked.output
    resent = runner.invoke(app, ["link", "resend", str(mailed.agreement.id), "Kolding"])
    assert resent.exit_code == 0 and "Ny anmodning med nyt svarlink" in resent.output
    _user, token = create_user(ctx, "Sara Sag", "sagsbehandler")
    api = TestClient(create_app(engine, clock))
    h = {"Authorization": f"Bearer {token}"}
    out = api.post(f"/agreements/{mailed.agreement.id}/parties/kb-607/answer-link/revoke",
                   headers=h)
    assert out.status_code == 200 and out.json()["revoked"] == 1
    again = api.post(f"/agreements/{mailed.agreement.id}/parties/kb-607/answer-link/resend",
                     headers=h)
    assert again.status_code == 200 and again.json()["outbox_key"]
    _party, part_token = create_user(ctx, "Part P", "part", "kb-607")
    refused = api.post(f"/agreements/{mailed.agreement.id}/parties/kb-607/answer-link/revoke",
                       headers={"Authorization": f"Bearer {part_token}"})
    assert refused.status_code == 403


def test_a_case_handler_revokes_and_resends_on_the_dashboard(ctx, mailed: Mailed, client,
                                                             ) -> None:
    from aftaleflow.services.access.users import create_user
    from tests.web.conftest import csrf_of, log_in

    secret = mailed.link_of(PARTY)
    _user, token = create_user(ctx, "Sara Sag", "sagsbehandler")
    log_in(client, token)
    path = f"/ui/aftaler/{mailed.agreement.id}/parter/{PARTY}"
    assert "Tilbagekald svarlinks" in client.get(path).text
    done = client.post(f"{path}/svarlink/tilbagekald", data={"csrf": csrf_of(client, path)})
    assert done.status_code == 200 and "1 svarlink(s) tilbagekaldt" in done.text
    resent = client.post(f"{path}/svarlink/gensend", data={"csrf": csrf_of(client, path)})
    assert "ny anmodning med nyt link" in resent.text
    client.cookies.clear()
    assert client.get(f"/ui/svar/{secret}").status_code == 410


def test_a_reminder_carries_a_link_of_its_own(ctx, mailed: Mailed, clock) -> None:
    from aftaleflow.domain.deadlines import load_policy
    from aftaleflow.services.mail.reminders import enqueue_reminders
    from tests.access.conftest import LINK

    deadline = min(a.deadline for a in mailed.agreement.approvals if a.deadline)
    enqueue_reminders(ctx, load_policy().calendar.add_business_days(deadline, 1))
    from aftaleflow.mail import SmtpTransport
    from aftaleflow.services.mail.mailing import send_outbox
    from tests.smtp_server import SmtpTestServer

    with SmtpTestServer() as server:
        send_outbox(ctx, SmtpTransport(server.settings()), None)
        reminders = [m.message for m in server.received
                     if "rykker" in m.message["Subject"]]
    assert reminders
    texts = [m.get_body(("plain",)).get_content() for m in reminders]
    found = [LINK.search(t) for t in texts]
    assert all(found) and len({f.group(1) for f in found if f}) == len(texts)
    assert not {f.group(1) for f in found if f} & {mailed.link_of(PARTY)}


def test_rejecting_through_the_link_needs_a_reason_and_uses_it_up(ctx, mailed: Mailed,
                                                                  client: TestClient) -> None:
    secret = mailed.link_of(PARTY)
    bare = client.post(f"/ui/svar/{secret}", data={"decision": "afvist"})
    assert bare.status_code == 422 and "skriv begrundelsen" in bare.text
    assert _state(ctx, mailed.agreement.id) == "afventer"
    done = client.post(f"/ui/svar/{secret}", data={"decision": "afvist",
                                                    "comment": "Økonomien hænger ikke sammen"})
    assert done.status_code == 200 and 'id="link-used"' in done.text
    assert _state(ctx, mailed.agreement.id) == "afvist"
