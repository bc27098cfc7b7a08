"""Each council's own draft agenda item travels with its request for approval."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from aftaleflow.documents.environment import long_date
from aftaleflow.mail import SmtpTransport
from aftaleflow.services.documents.case_documents import party_drafts
from aftaleflow.services.mail.mailing import send_outbox
from aftaleflow.services.mail.reminders import enqueue_round_letters
from tests.documents.pdftext import normalise
from tests.factories import agreement_in_state
from tests.smtp_server import SmtpTestServer

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _pages(pdf: bytes) -> list[str]:
    return [normalise(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def sent_requests(ctx):
    """A round of 7 parties started; its request mails sent to a real SMTP server."""
    view = agreement_in_state(ctx, "i_godkendelse")
    enqueue_round_letters(ctx)
    with SmtpTestServer() as server:
        report = send_outbox(ctx, SmtpTransport(server.settings()))
        messages = [r.message for r in server.received]
    assert len(report.sent) == len(view.approvals) == len(messages) == 7
    return view, messages


def test_request_mail_carries_the_councils_word_draft_and_its_pages_in_the_letter(
        sent_requests) -> None:
    view, messages = sent_requests
    kolding = next(a for a in view.approvals if "Kolding" in a.body)
    mail = next(m for m in messages if m["To"] == f"{kolding.body_key}@aftaleflow.test")
    parts = {a.get_content_type(): a.get_content() for a in mail.iter_attachments()}
    assert set(parts) == {"application/pdf", DOCX} and len(list(mail.iter_attachments())) == 3
    word = Document(io.BytesIO(parts[DOCX]))
    text = "\n".join(p.text for p in word.paragraphs)
    cells = "\n".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert view.title in text and kolding.body in text
    assert "Sagsfremstilling" in text and "Indstilling" in text
    assert f"at samarbejdsaftalen »{view.title}« godkendes." in text
    assert "Mødedato\n(udfyldes af kommunen)" in cells  # left for the council
    assert "Punkt nr.\n(udfyldes af kommunen)" in cells
    assert f"Svarfrist\n{long_date(kolding.deadline)}" in cells
    assert "Sagens vej\nFagudvalget (FAG) → " in cells and f"→ {kolding.body} (KB)" in cells
    pdfs = [a.get_content() for a in mail.iter_attachments()
            if a.get_content_type() == "application/pdf"]
    letter, draft = sorted(pdfs, key=lambda pdf: -len(PdfReader(io.BytesIO(pdf)).pages))
    letter_pages, draft_pages = _pages(letter), _pages(draft)
    assert letter_pages[-len(draft_pages):] == draft_pages
    own = len(letter_pages) - len(draft_pages)
    assert "Anmodning om godkendelse" in letter_pages[0]
    first, last = own + 1, own + len(draft_pages)
    where = f"side {first}" if first == last else f"side {first}\u2013{last}"
    assert f"Udkast til dagsordenpunkt for {kolding.body}, {where}" in " ".join(letter_pages)
    assert f"Udkast til dagsordenpunkt for {kolding.body}" in draft_pages[0]


def test_drafts_are_registered_per_party_with_hash_and_template_version(
        ctx, sent_requests) -> None:
    view, _messages = sent_requests
    listed = party_drafts(ctx, view.id)
    assert sorted(p.party for p in listed) == sorted(a.body for a in view.approvals)
    for party in listed:
        kinds = sorted(d.kind for d in party.documents)
        assert kinds == ["udkast_dagsordenpunkt", "udkast_dagsordenpunkt_docx"]
        for record in party.documents:
            data = Path(record.path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == record.sha256
            assert record.template_version and record.recipient_body_id is not None
        suffixes = sorted(Path(d.path).suffix for d in party.documents)
        assert suffixes == [".docx", ".pdf"]


def test_the_same_draft_gives_the_same_word_bytes(ctx) -> None:
    from aftaleflow.services.documents.case_documents import approval_request

    view = agreement_in_state(ctx, "i_godkendelse")
    first = approval_request(ctx, view.id, "Kolding")
    again = approval_request(ctx, view.id, "Kolding")
    assert first.draft_docx.sha256 == again.draft_docx.sha256
    assert first.draft_docx.id == again.draft_docx.id  # registered once
    assert first.letter.sha256 == again.letter.sha256
