"""Sending the outbox by mail: outbox rows become mails, delivery errors become outcomes."""

from __future__ import annotations

from collections.abc import Callable

from aftaleflow.config import get_settings
from aftaleflow.mail import (
    Attachment,
    MailDeliveryError,
    OutgoingMail,
    PartialDeliveryError,
    Transport,
    transport_from_env,
)
from aftaleflow.services.outbox import (
    DeliveryFailed,
    DeliveryReport,
    PartiallyDelivered,
    QueuedMail,
    deliver,
)
from aftaleflow.services.uow import ServiceContext

AttachmentSource = Callable[[ServiceContext, QueuedMail], list[Attachment]]


def default_transport() -> Transport:
    """SMTP when AFTALEFLOW_SMTP_HOST is set, else .eml files under state/outbox/."""
    return transport_from_env(get_settings().state_dir / "outbox")


def send_outbox(ctx: ServiceContext, transport: Transport | None = None,
                attachments: AttachmentSource | None = None) -> DeliveryReport:
    """Deliver every queued message once; see services.outbox for the guarantees."""
    ctx.authorize("document.write")
    chosen = transport or default_transport()
    domain = get_settings().mail_domain

    def send(queued: QueuedMail) -> None:
        mail = OutgoingMail(
            idempotency_key=queued.key, recipients=queued.recipients, subject=queued.subject,
            body=queued.body,
            attachments=attachments(ctx, queued) if attachments else (),
            message_id_domain=domain)
        try:
            chosen.send(mail)
        except PartialDeliveryError as exc:
            raise PartiallyDelivered(exc.message) from exc
        except MailDeliveryError as exc:
            raise DeliveryFailed(exc.message) from exc

    return deliver(ctx, send)
