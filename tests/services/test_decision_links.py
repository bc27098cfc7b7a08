"""Every letter and mail that asks a council for something links to its decision page and can
be read without logging in: who has approved, what is missing, the deadline. No secret."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlmodel import Session, select

from aftaleflow.domain.outbox import OutboxMessage
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.documents.case_documents import render_letter
from aftaleflow.services.mail.reminders import enqueue_round_letters, plan_reminders
from tests.factories import agreement_in_state

LINK = re.compile(r"https?://\S+/ui/aftaler/(\d+)/parter/([a-z0-9-]+)")


def _bodies(ctx) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with Session(ctx.engine) as session:
        return {m.subject + "|" + ",".join(m.recipients): m.body
                for m in session.exec(select(OutboxMessage))}


def test_round_letter_mail_links_to_the_party_page_with_who_approved_and_who_is_missing(
        ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    record_decision(ctx, view.id, Decision(party="Kolding", decision="godkendt",
                                           meeting_date=view.approvals[0].deadline))
    enqueue_round_letters(ctx)
    vejle = next(body for key, body in _bodies(ctx).items() if "kb-630" in key)
    assert "Godkendt af: Kolding Kommune" in vejle
    missing = next(line for line in vejle.splitlines() if line.startswith("Mangler: "))
    assert "Vejle Kommune (jer)" in missing and "Kolding" not in missing
    assert "Jeres frist: " in vejle and "Sagens forløb:" in vejle
    links = LINK.findall(vejle)
    assert links == [(str(view.id), "kb-630")]
    assert "token" not in vejle and "af_" not in vejle.split("Registrér")[1]


def test_reminder_links_to_the_party_page(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    vejle = next(p for p in view.approvals if "Vejle" in p.body)
    message = next(m for m in plan_reminders(ctx, vejle.deadline) if "Vejle" in m.party)
    assert LINK.findall(message.body) == [(str(view.id), vejle.body_key)]
    assert "Mangler: " in message.body


def test_pdf_request_letter_prints_the_decision_link(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    record = render_letter(ctx, "anmodning_om_godkendelse", view.id, party="Vejle")
    with open(record.path, "rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert f"/ui/aftaler/{view.id}/parter/kb-630" in text.replace("\n", "")
