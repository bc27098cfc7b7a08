"""Reminders before and after deadlines, round letters, and delivery to a real SMTP server."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from aftaleflow.domain.calendar import BusinessCalendar
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.mail import SmtpTransport
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import NewAgreement, advance_agreement, create_agreement
from aftaleflow.services.mail import outbox
from aftaleflow.services.mail.mailing import send_outbox
from aftaleflow.services.mail.outbox import list_outbox
from aftaleflow.services.mail.reminders import (
    enqueue_reminders,
    enqueue_round_letters,
    plan_reminders,
)
from tests.factories import agreement_in_state
from tests.smtp_server import SmtpTestServer

POLICY = load_policy()
CAL: BusinessCalendar = POLICY.calendar


def _deadline(view, party: str) -> date:
    return next(a.deadline for a in view.approvals if party in a.body)


def test_round_start_sets_business_day_deadlines_from_the_policy(ctx, clock) -> None:
    clock.set(date(2026, 11, 30))
    view = agreement_in_state(ctx, "i_godkendelse")  # local agreement: 30 business days
    kolding = _deadline(view, "Kolding")
    assert CAL.business_days_between(date(2026, 11, 30), kolding) == 30
    assert CAL.is_business_day(kolding)
    region = _deadline(view, "Regionsrådet")  # the regionsråd's own rule: 45
    assert CAL.business_days_between(date(2026, 11, 30), region) == 45


def test_reminders_come_at_their_levels_and_stop_for_parties_that_decided(ctx, clock) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    deadline = _deadline(view, "Kolding")
    first = CAL.previous_business_day_on_or_before(CAL.add_business_days(deadline, -10))
    assert plan_reminders(ctx, first - timedelta(days=1)) == []
    planned = plan_reminders(ctx, first)
    assert {m.kind for m in planned} == {"rykker_1"} and len(planned) == 6  # RR: later deadline
    record_decision(ctx, view.id, Decision(party="Kolding", decision="godkendt"))
    assert len(plan_reminders(ctx, first)) == 5
    on_deadline = Counter(m.kind for m in plan_reminders(ctx, deadline))
    assert on_deadline == {"rykker_1": 5, "rykker_2": 5}
    late = CAL.add_business_days(deadline, 5)
    escalations = [m for m in plan_reminders(ctx, late) if m.kind == "eskalering"]
    assert len(escalations) == 5
    assert escalations[0].recipients == ["leder@aftaleflow.test"]
    assert "Eskalering" in escalations[0].subject


def test_reminder_text_carries_timeline_deadline_rule_and_link(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    message = plan_reminders(ctx, _deadline(view, "Vejle"))[0]
    assert "Sagens forløb:" in message.body and "SSU indstiller" in message.body
    assert "Fristregel: Hverdage" in message.body
    assert f"/ui/aftaler/{view.id}/parter/" in message.body
    assert message.recipients[0].endswith("@aftaleflow.test")


def test_enqueueing_twice_queues_each_reminder_once(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    day = _deadline(view, "Vejle")
    first = enqueue_reminders(ctx, day)
    assert len(first) == 12
    assert enqueue_reminders(ctx, day) == []
    assert plan_reminders(ctx, day) == []


def test_round_letters_go_to_every_party_once(ctx) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    assert len(enqueue_round_letters(ctx)) == 7
    assert enqueue_round_letters(ctx) == []


def test_smtp_server_receives_exactly_the_due_messages(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    enqueue_reminders(ctx, _deadline(view, "Vejle"))
    with SmtpTestServer() as server:
        report = send_outbox(ctx, SmtpTransport(server.settings()))
        received = server.received
    assert len(report.sent) == 12 and not report.failed
    messages = [r.message for r in received]
    assert sorted(m["To"] for m in messages) == sorted(
        f"{a.body_key}@aftaleflow.test" for a in view.approvals
        if a.body_kind == "kommunalbestyrelse" for _ in range(2))
    assert all("godkendelse af 'Børn og unge i mistrivsel'" in m["Subject"] for m in messages)
    assert len({m["Message-ID"] for m in messages}) == 12
    files: dict[str, set[tuple[str, ...]]] = {}
    for m in messages:  # the rykker's words in the mail, the party's request attached
        assert "Vi mangler endnu jeres beslutning" in m.get_body(("plain",)).get_content()
        letter, docx, draft = m.iter_attachments()
        assert letter.get_filename().startswith("anmodning_om_godkendelse-")
        assert docx.get_filename().startswith("udkast_dagsordenpunkt_docx-")
        assert draft.get_filename().startswith("udkast_dagsordenpunkt-")
        pdf = PdfReader(io.BytesIO(letter.get_content()))
        assert "Anmodning om godkendelse" in pdf.pages[0].extract_text()
        files.setdefault(m["To"], set()).add(tuple(a.get_filename()
                                                   for a in m.iter_attachments()))
    assert all(len(sets) == 1 for sets in files.values())  # rykker 1 and 2: the same files
    assert {o.status for o in list_outbox(ctx)} == {"sent"}


def test_server_down_keeps_messages_queued_and_a_later_run_sends_them(ctx) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    enqueue_round_letters(ctx)
    with SmtpTestServer() as server:
        settings = server.settings()
    report = send_outbox(ctx, SmtpTransport(settings))  # the server is gone
    assert report.failed and not report.sent
    assert {o.status for o in list_outbox(ctx)} == {"queued"}
    with SmtpTestServer() as server:
        report = send_outbox(ctx, SmtpTransport(server.settings()))
        assert len(server.received) == 7
    assert len(report.sent) == 7


def test_crash_between_send_and_mark_never_sends_twice(ctx, clock, monkeypatch) -> None:
    """At-most-once for the one ambiguous step: the interrupted message is flagged, not resent."""
    agreement_in_state(ctx, "i_godkendelse")
    enqueue_round_letters(ctx)
    real_finish = outbox._finish
    calls = {"n": 0}

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("simulated crash after the SMTP server accepted")
        return real_finish(*args, **kwargs)

    with SmtpTestServer() as server:
        monkeypatch.setattr(outbox, "_finish", crash_on_third)
        with pytest.raises(KeyboardInterrupt):
            send_outbox(ctx, SmtpTransport(server.settings()))
        monkeypatch.setattr(outbox, "_finish", real_finish)
        clock.current += timedelta(minutes=11)
        report = send_outbox(ctx, SmtpTransport(server.settings()))
        ids = Counter(r.message["Message-ID"] for r in server.received)
    assert len(ids) == 7 and set(ids.values()) == {1}  # every message once, none twice
    assert len(report.uncertain) == 1 and len(report.sent) == 4  # 2 before the crash
    statuses = Counter(o.status for o in list_outbox(ctx))
    assert statuses == {"sent": 6, "uncertain": 1}


def test_500_reminders_across_23_parties_no_duplicate_no_missing(ctx, clock) -> None:
    """22 regional agreements in Syddanmark, 23 parties each, one shared deadline: 506."""
    clock.set(date(2026, 3, 2))
    deadline = date(2026, 5, 29)
    for i in range(22):
        view = create_agreement(ctx, NewAgreement(
            title=f"Samarbejdsaftale {i + 1}", kind="regional_samarbejdsaftale",
            origin="ssu_bestilling", region="syddanmark", kle_number="29.30.08-P27-1-26",
            case_handler="Ane Holm", approval_deadline=deadline))
        view = advance_agreement(ctx, view.id, "send_til_ssu")
        view = advance_agreement(ctx, view.id, "indstil_til_godkendelse")
        assert view.approvals_total == 23
    queued = enqueue_reminders(ctx, CAL.add_business_days(deadline, -10))
    assert len(queued) == 22 * 23 == 506
    assert len({m.party for m in queued}) == 23
    with SmtpTestServer() as server:  # without PDF letters: this test is about counting
        report = send_outbox(ctx, SmtpTransport(server.settings()), attachments=None)
        ids = Counter(r.message["Message-ID"] for r in server.received)
    assert len(report.sent) == 506 and not report.failed and not report.uncertain
    assert len(ids) == 506 and set(ids.values()) == {1}
    assert set(report.sent) == {m.key for m in queued}  # none missing
    assert enqueue_reminders(ctx, CAL.add_business_days(deadline, -10)) == []
