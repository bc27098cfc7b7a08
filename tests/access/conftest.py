"""An agreement in godkendelse whose request mails went through a real SMTP server."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from aftaleflow.mail import Attachment, SmtpTransport
from aftaleflow.services.agreements.cases import get_agreement
from aftaleflow.services.mail.mailing import letter_attachments, send_outbox
from aftaleflow.services.mail.outbox import QueuedMail
from aftaleflow.services.mail.reminders import enqueue_round_letters
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView
from tests.factories import agreement_in_state
from tests.smtp_server import ReceivedMail, SmtpTestServer

LINK = re.compile(r"https?://\S+/ui/svar/(afl_[A-Za-z0-9_\-]+)")
PARTY = "kb-621"  # Kolding: a council of Sundhedsklynge Lillebælt


@dataclass
class Mailed:
    agreement: AgreementView
    mails: list[ReceivedMail]

    def mail_to(self, party_key: str) -> ReceivedMail:
        return next(m for m in self.mails if any(party_key in r for r in m.rcpt_tos))

    def link_of(self, party_key: str) -> str:
        """The answer link's secret, read from the mail's text as a person would click it."""
        mail = self.mail_to(party_key)
        text = mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        match = LINK.search(text)
        assert match, text
        return match.group(1)


def send_requests(ctx: ServiceContext, agreement_id: int, with_documents_for: str
                  ) -> list[ReceivedMail]:
    """Queue the round's request mails and send them to a local SMTP server; only one party's
    letter and drafts are rendered (PDF rendering is slow), the others go as plain mails."""
    enqueue_round_letters(ctx)
    approvals = {a.body_key: a.id for a in get_agreement(ctx, agreement_id).approvals}

    def attachments(c: ServiceContext, queued: QueuedMail) -> list[Attachment]:
        if queued.approval_id == approvals[with_documents_for]:
            return letter_attachments(c, queued)
        return []

    with SmtpTestServer() as server:
        report = send_outbox(ctx, SmtpTransport(server.settings()), attachments)
        received = list(server.received)
    assert report.failed == [] and report.uncertain == []
    return received


@pytest.fixture
def mailed(ctx: ServiceContext) -> Mailed:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    return Mailed(agreement, send_requests(ctx, agreement.id, PARTY))
