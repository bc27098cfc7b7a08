"""The flows under Prefect: thin over the services, retries, and what they send."""

from __future__ import annotations

from datetime import date

from aftaleflow.domain.deadlines import load_policy
from aftaleflow.services.mail.outbox import list_outbox
from flows.reminders import daily_reminders
from flows.reports import weekly_status_report
from flows.rounds import start_approval_round_letters
from tests.factories import agreement_in_state
from tests.smtp_server import SmtpTestServer


def _smtp_env(monkeypatch, server) -> None:
    settings = server.settings()
    monkeypatch.setenv("AFTALEFLOW_SMTP_HOST", settings.host)
    monkeypatch.setenv("AFTALEFLOW_SMTP_PORT", str(settings.port))


def test_round_letters_flow_sends_one_request_per_party(prefect_harness, flow_env, ctx,
                                                         monkeypatch) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    with SmtpTestServer() as server:
        _smtp_env(monkeypatch, server)
        result = start_approval_round_letters()
        again = start_approval_round_letters()
        received = server.received
    assert len(result["queued"]) == 7 and len(result["sent"]) == 7
    assert again["queued"] == [] and again["sent"] == []
    assert len(received) == 7
    assert all("Anmodning om godkendelse" in r.message["Subject"] for r in received)


def test_daily_reminders_flow_sends_the_due_reminders(prefect_harness, flow_env, ctx,
                                                      monkeypatch) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    deadline = min(a.deadline for a in view.approvals if a.deadline)
    cal = load_policy().calendar
    late = cal.add_business_days(deadline, 5)
    with SmtpTestServer() as server:
        _smtp_env(monkeypatch, server)
        result = daily_reminders(today=late.isoformat())
        subjects = sorted(r.message["Subject"].split(":")[0] for r in server.received)
    # 6 councils x (rykker 1, rykker 2, eskalering) + the regionsråd's first rykker
    # (45 business days: its rykker 1 falls 35 business days after the start, like today)
    assert len(result["sent"]) == 19
    assert subjects.count("Eskalering") == 6
    assert {o.status for o in list_outbox(ctx)} == {"sent"}


def test_weekly_status_report_goes_to_managers_once_a_week(prefect_harness, flow_env, ctx,
                                                           monkeypatch) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    with SmtpTestServer() as server:
        _smtp_env(monkeypatch, server)
        first = weekly_status_report(today=date(2026, 3, 9).isoformat())
        same_week = weekly_status_report(today=date(2026, 3, 11).isoformat())
        received = server.received
    assert first["queued"] and same_week["queued"] is None
    assert [r.rcpt_tos for r in received] == [("leder@aftaleflow.test",)]
    body = received[0].message.get_body(("plain",)).get_content()
    assert "Børn og unge i mistrivsel" in body and "0 af 7 godkendt" in body
