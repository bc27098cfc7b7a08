"""Sending the outbox by mail: outbox rows become mails, delivery errors become outcomes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aftaleflow.config import get_settings
from aftaleflow.mail import (
    Attachment,
    MailDeliveryError,
    OutgoingMail,
    PartialDeliveryError,
    Transport,
    transport_from_env,
)
from aftaleflow.services.access.answer_links import answer_url, issue_link
from aftaleflow.services.mail.links import PLACEHOLDER
from aftaleflow.services.mail.outbox import (
    DeliveryFailed,
    DeliveryReport,
    PartiallyDelivered,
    QueuedMail,
    deliver,
)
from aftaleflow.services.uow import ServiceContext

if TYPE_CHECKING:
    from aftaleflow.services.documents.case_documents import DocumentRecord

AttachmentSource = Callable[[ServiceContext, QueuedMail], list[Attachment]]


def default_transport() -> Transport:
    """SMTP when AFTALEFLOW_SMTP_HOST is set, else .eml files under state/outbox/."""
    return transport_from_env(get_settings().state_dir / "outbox")


LETTER_OF_KIND = {
    "anmodning_om_godkendelse": "anmodning_om_godkendelse",
    "rykker_1": "rykker",
    "rykker_2": "rykker",
    "eskalering": "eskalering",
}


def letter_attachments(ctx: ServiceContext, queued: QueuedMail) -> list[Attachment]:
    """The PDF letter that goes with a message (rendered, stored and registered); a request
    for approval also carries the council's draft agenda item as .docx and PDF."""
    from aftaleflow.services.documents import case_documents as documents

    if queued.kind == "statusrapport":
        record = documents.render_status_report(ctx)
    elif queued.kind == "anmodning_om_godkendelse" and queued.agreement_id \
            and queued.approval_id:
        request = documents.approval_request(ctx, queued.agreement_id,
                                             documents.party_key(ctx, queued.approval_id))
        return [_attachment(request.letter), _attachment(request.draft_docx),
                _attachment(request.draft_pdf)]
    elif queued.kind in LETTER_OF_KIND and queued.agreement_id and queued.approval_id:
        record = documents.render_letter(
            ctx, LETTER_OF_KIND[queued.kind], queued.agreement_id,
            party=documents.party_key(ctx, queued.approval_id),
            reminders_sent=1 if queued.kind == "rykker_2" else 0)
    else:
        return []
    return [_attachment(record)]


def _attachment(record: DocumentRecord) -> Attachment:
    """A stored document as a mail attachment, named by kind and hash."""
    return Attachment(f"{record.kind}-{record.sha256[:8]}{record.suffix}",
                      Path(record.path).read_bytes(), record.media_type)


def _with_answer_link(ctx: ServiceContext, queued: QueuedMail) -> str:
    """The body with the party's own answer link, issued now (only its hash is stored)."""
    if PLACEHOLDER not in queued.body:
        return queued.body
    if not queued.approval_id or not queued.recipients:
        return queued.body.replace(PLACEHOLDER, "(intet link)")
    secret = issue_link(ctx, queued.approval_id, queued.recipients[0])
    return queued.body.replace(PLACEHOLDER, answer_url(secret))


def send_outbox(ctx: ServiceContext, transport: Transport | None = None,
                attachments: AttachmentSource | None = letter_attachments,
                watch: Sequence[str] = ()) -> DeliveryReport:
    """Deliver every queued message once (up to the batch size), each with its PDF letter;
    `watch`: the keys the caller queued, whose fate the report tells. See services.mail.outbox.
    """
    ctx.authorize("document.write")
    chosen = transport or default_transport()
    domain = get_settings().mail_domain

    def send(queued: QueuedMail) -> None:
        mail = OutgoingMail(
            idempotency_key=queued.key, recipients=queued.recipients, subject=queued.subject,
            body=_with_answer_link(ctx, queued),
            attachments=attachments(ctx, queued) if attachments else (),
            message_id_domain=domain)
        try:
            chosen.send(mail)
        except PartialDeliveryError as exc:
            raise PartiallyDelivered(exc.message) from exc
        except MailDeliveryError as exc:
            raise DeliveryFailed(exc.message) from exc

    return deliver(ctx, send, watch)
