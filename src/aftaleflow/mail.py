"""Sending mail: build a MIME message from an outgoing mail and hand it to SMTP or to files.

No database here. The outbox decides what to send and when; this module only turns one
`OutgoingMail` into bytes on the wire. The Message-ID comes from the mail's idempotency key, so
a retried outbox row carries the same Message-ID and a receiving system can spot the repeat.
"""

from __future__ import annotations

import hashlib
import io
import os
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.utils import format_datetime, getaddresses, parseaddr
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NamedTuple, Protocol, TypeVar

from aftaleflow.config import TIMEZONE

TlsMode = Literal["none", "starttls", "ssl"]
TLS_MODES: tuple[TlsMode, ...] = ("none", "starttls", "ssl")
DEFAULT_SENDER = "aftaleflow@localhost"
DEFAULT_MESSAGE_ID_DOMAIN = "aftaleflow.local"
_RESERVED_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
    "content-type", "content-transfer-encoding",
})


class MailDeliveryError(Exception):
    """The mail did not reach the SMTP server (or the file sink); `message` is Danish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PartialDeliveryError(MailDeliveryError):
    """The server took the mail for some recipients and refused the others.

    Sending it again would repeat it to those who have it: retry only `refused`.
    """

    def __init__(self, message: str, refused: Sequence[str]) -> None:
        super().__init__(message)
        self.refused = tuple(refused)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. `from_env` reads the AFTALEFLOW_SMTP_* variables."""

    host: str = "127.0.0.1"
    port: int = 25
    tls: TlsMode = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SENDER
    timeout: float = 30.0
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(
                f"Ukendt TLS-indstilling '{self.tls}'; brug en af: {', '.join(TLS_MODES)}")
        if self.password is not None and self.user is None:
            raise ValueError("AFTALEFLOW_SMTP_PASSWORD er sat uden AFTALEFLOW_SMTP_USER")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """Read the settings now (not at import); `environ` defaults to os.environ."""
        env = os.environ if environ is None else environ
        tls = env.get("AFTALEFLOW_SMTP_TLS", "none").strip().lower() or "none"
        if tls not in TLS_MODES:
            raise ValueError(
                f"AFTALEFLOW_SMTP_TLS='{tls}' er ukendt; brug en af: {', '.join(TLS_MODES)}")
        return cls(
            host=env.get("AFTALEFLOW_SMTP_HOST") or "127.0.0.1",
            port=_number(env, "AFTALEFLOW_SMTP_PORT", 25, int),
            tls=tls,
            user=env.get("AFTALEFLOW_SMTP_USER") or None,
            password=env.get("AFTALEFLOW_SMTP_PASSWORD") or None,
            sender=env.get("AFTALEFLOW_MAIL_SENDER") or DEFAULT_SENDER,
            timeout=_number(env, "AFTALEFLOW_SMTP_TIMEOUT", 30.0, float),
            ca_file=env.get("AFTALEFLOW_SMTP_CA_FILE") or None,
        )


_Number = TypeVar("_Number", int, float)


def _number(env: Mapping[str, str], name: str, default: _Number,
            kind: type[_Number]) -> _Number:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}='{raw}' er ikke et tal") from None
    if value <= 0:
        raise ValueError(f"{name}='{raw}' skal være større end 0")
    return value


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


class Attachment(NamedTuple):
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class OutgoingMail:
    """One mail to send. The same idempotency key always gives the same Message-ID."""

    idempotency_key: str
    recipients: Sequence[str]
    subject: str
    body: str
    attachments: Sequence[Attachment] = ()
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    message_id_domain: str = DEFAULT_MESSAGE_ID_DOMAIN

    def __post_init__(self) -> None:
        if not self.idempotency_key:
            raise ValueError("En mail skal have en idempotensnøgle")
        if not self.recipients:
            raise ValueError("En mail skal have mindst én modtager")
        for name, value in self.extra_headers.items():
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(f"Headeren {name} sættes af aftaleflow og kan ikke overskrives")
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError(f"Headeren {name} må ikke indeholde linjeskift")
        attachments = tuple(Attachment(*a) for a in self.attachments)
        for attachment in attachments:
            if attachment.mime_type.count("/") != 1:
                raise ValueError(f"Ugyldig MIME-type '{attachment.mime_type}' for "
                                 f"{attachment.filename}")
        object.__setattr__(self, "recipients", tuple(self.recipients))
        object.__setattr__(self, "attachments", attachments)
        object.__setattr__(self, "extra_headers", MappingProxyType(dict(self.extra_headers)))

    @property
    def message_id(self) -> str:
        """`<sha256-of-key@domain>`: stable for one outbox row, unique across rows."""
        return f"<{_digest(self.idempotency_key)}@{self.message_id_domain}>"


def build_message(mail: OutgoingMail, settings: SmtpSettings, *,
                  sent_at: datetime | None = None) -> EmailMessage:
    """The MIME message: UTF-8 text body, attachments, Date (now unless given), Message-ID.

    The body is quoted-printable (readable, 7-bit safe) and the MIME boundary comes from the
    idempotency key, so one mail and one `sent_at` always give the same bytes.
    """
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(sent_at or datetime.now(TIMEZONE))
    message["Message-ID"] = mail.message_id
    for name, value in mail.extra_headers.items():
        message[name] = value
    message.set_content(mail.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    for attachment in mail.attachments:
        if not message.is_multipart():
            message.make_mixed()
        message.attach(_attachment_part(attachment))
    if message.is_multipart():
        # "=_" never occurs in quoted-printable or base64 text, so no part can contain it
        message.set_boundary(f"=_aftaleflow_{_digest(mail.idempotency_key)}")
    return message


class _Part(EmailMessage):
    """An attachment's MIME part, shared by every mail that carries the same file."""

    flat: dict[tuple[str | None, bool, str], bytes]


class _Generator(BytesGenerator):
    """`BytesGenerator`, with each shared attachment part flattened once: the first time a
    part is written, its bytes are kept on it (per line ending, From-mangling and policy,
    all of what the generator's output depends on) and written as they are into every
    later mail. A 100 KiB part is ~1,700 base64 lines the generator otherwise writes one by
    one for each mail; the bytes are the same (tests/test_mail.py)."""

    def flatten(self, msg: Message, unixfrom: bool = False,
                linesep: str | None = None) -> None:
        if not isinstance(msg, _Part) or unixfrom:
            super().flatten(msg, unixfrom, linesep)
            return
        policy = self.policy if self.policy is not None else msg.policy
        key = (linesep, self._mangle_from_, repr(policy))  # type: ignore[attr-defined]
        kept = msg.flat.get(key)
        if kept is None:
            out = io.BytesIO()
            BytesGenerator.flatten(self.clone(out), msg, False, linesep)  # type: ignore[arg-type]
            kept = msg.flat[key] = out.getvalue()
        self._fp.write(kept)  # type: ignore[attr-defined]


@lru_cache(maxsize=64)
def _attachment_part(attachment: Attachment) -> EmailMessage:
    """One attachment as a MIME part (what `add_attachment` makes), base64-encoded once
    however many mails carry the same file; the parts are only read afterwards."""
    part = _Part()
    part.flat = {}
    maintype, subtype = attachment.mime_type.split("/")
    part.set_content(attachment.content, maintype=maintype, subtype=subtype,
                     filename=attachment.filename)
    return part


def send(mail: OutgoingMail, settings: SmtpSettings, *, sent_at: datetime | None = None) -> None:
    """Deliver one mail over SMTP; raises MailDeliveryError if the server did not take it."""
    with SmtpSession(settings) as session:
        session.send(mail, sent_at=sent_at)


class SmtpSession:
    """One SMTP connection carrying many mails, each its own SMTP transaction.

    Connects (STARTTLS, login) at the first mail. Before a mail that follows a pause of more
    than `check_after` seconds a NOOP checks that the server still listens; if not, a new
    connection is opened first, so a mail is never half-sent on a connection that died while
    idle (back to back, the server's last answer is fresh and the NOOP's round trip is
    spared). A mail that fails closes the connection (its state is unknown) and raises
    MailDeliveryError as `send` does; the next mail connects anew. Use it as a context
    manager: leaving it says QUIT.
    """

    check_after = 1.0

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._last_answer = 0.0

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ready(self) -> smtplib.SMTP:
        if self._smtp is not None:
            if time.monotonic() - self._last_answer <= self.check_after:
                return self._smtp
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except OSError:
                pass
            self._drop()
        smtp = _connect(self.settings)
        try:
            if self.settings.tls == "starttls":
                smtp.starttls(context=_tls_context(self.settings))
            if self.settings.user is not None:
                smtp.login(self.settings.user, self.settings.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def send(self, mail: OutgoingMail, *, sent_at: datetime | None = None,
             data: bytes | None = None) -> None:
        """Deliver one mail; raises MailDeliveryError if the server did not take it. `data`:
        the mail's bytes built beforehand (`wire_bytes`), else they are built now."""
        settings = self.settings
        from_addr, to_addrs = _envelope(mail, settings)
        try:
            smtp = self._ready()
            if data is None:
                refused = smtp.send_message(build_message(mail, settings, sent_at=sent_at),
                                            from_addr=from_addr, to_addrs=to_addrs)
            else:
                refused = smtp.sendmail(from_addr, to_addrs, data)
        except OSError as exc:  # smtplib.SMTPException is an OSError too
            self._drop()
            raise _explain(exc, mail, settings) from exc
        self._last_answer = time.monotonic()
        if refused:
            raise PartialDeliveryError(
                f"Mailserveren {settings.host}:{settings.port} afviste nogle modtagere: "
                f"{', '.join(sorted(refused))}; de øvrige har fået mailen", sorted(refused))

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """QUIT and close; an answer that never comes is no error (the mails are out)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except OSError:
                pass
            finally:
                self._drop()


def _envelope(mail: OutgoingMail, settings: SmtpSettings) -> tuple[str, list[str]]:
    """The SMTP envelope: the bare sender and recipient addresses."""
    return (parseaddr(settings.sender)[1],
            [address for _, address in getaddresses(mail.recipients)])


def wire_bytes(mail: OutgoingMail, settings: SmtpSettings, *,
               sent_at: datetime | None = None) -> bytes | None:
    """The bytes smtplib's `send_message` puts on the wire for this mail, made ahead of the
    SMTP dialogue (`SmtpSession.send(data=...)`); None when an address is not ASCII (SMTPUTF8
    is then the server's to offer, and `send` builds the mail itself)."""
    from_addr, to_addrs = _envelope(mail, settings)
    if not "".join([from_addr, *to_addrs]).isascii():
        return None
    with io.BytesIO() as out:
        _Generator(out).flatten(build_message(mail, settings, sent_at=sent_at),
                                linesep="\r\n")
        return out.getvalue()


def _explain(exc: OSError, mail: OutgoingMail, settings: SmtpSettings) -> MailDeliveryError:
    """A Danish sentence for what went wrong, most specific cause first."""
    server = f"{settings.host}:{settings.port}"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        # smtplib reports a read timeout as SMTPServerDisconnected, the timeout as context
        seconds = f"{settings.timeout:g}".replace(".", ",")
        text = f"Mailserveren {server} svarede ikke inden for {seconds} sekunder"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        text = f"Mailserveren {server} afviste login for {settings.user}: {_reply(exc)}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = f"Mailserveren {server} afviste alle modtagere: {', '.join(exc.recipients)}"
    elif isinstance(exc, smtplib.SMTPSenderRefused):
        text = f"Mailserveren {server} afviste afsenderen {exc.sender}: {_reply(exc)}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"Mailserveren {server} afviste mailen {mail.message_id}: {_reply(exc)}"
    elif isinstance(exc, smtplib.SMTPException):
        text = f"Mailen {mail.message_id} kunne ikke sendes via {server}: {exc}"
    elif isinstance(exc, ssl.SSLError):
        text = f"Krypteret forbindelse til mailserveren {server} mislykkedes: {exc}"
    elif isinstance(exc, ConnectionRefusedError):
        text = f"Mailserveren {server} afviste forbindelsen; kører den, og er porten rigtig?"
    else:
        text = f"Kunne ikke forbinde til mailserveren {server}: {exc.strerror or exc}"
    return MailDeliveryError(text)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.tls == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=_tls_context(settings))
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.ca_file)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"


class Transport(Protocol):
    """Anything that delivers an OutgoingMail or raises MailDeliveryError."""

    def send(self, mail: OutgoingMail) -> None: ...


class Sender(Protocol):
    """A transport opened for many mails (`session`): send each, then close."""

    def send(self, mail: OutgoingMail) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    settings: SmtpSettings

    def send(self, mail: OutgoingMail) -> None:
        send(mail, self.settings)

    def session(self) -> SmtpSession:
        """One connection for many mails (see SmtpSession)."""
        return SmtpSession(self.settings)


@dataclass(frozen=True)
class _OneByOne:
    """A transport without sessions, used as one: each mail on its own."""

    transport: Transport

    def send(self, mail: OutgoingMail) -> None:
        self.transport.send(mail)

    def close(self) -> None:
        pass


def open_session(transport: Transport) -> Sender:
    """The transport's session when it has one (SMTP: one connection), else itself."""
    session = getattr(transport, "session", None)
    return session() if callable(session) else _OneByOne(transport)


@dataclass(frozen=True)
class FileSink:
    """Writes each mail as `<digest>.eml` into a directory, for demos without an SMTP server.

    The file name comes from the Message-ID, so sending the same mail twice leaves one file.
    """

    directory: Path
    settings: SmtpSettings = field(default_factory=SmtpSettings)

    def path_for(self, mail: OutgoingMail) -> Path:
        return self.directory / f"{_digest(mail.idempotency_key)}.eml"

    def send(self, mail: OutgoingMail) -> None:
        target = self.path_for(mail)
        partial = target.with_suffix(".eml.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(build_message(mail, self.settings).as_bytes())
            partial.replace(target)
        except OSError as exc:
            raise MailDeliveryError(
                f"Mailen kunne ikke gemmes i {target}: {exc.strerror or exc}") from exc


def transport_from_env(mail_dir: Path, environ: Mapping[str, str] | None = None) -> Transport:
    """SMTP when AFTALEFLOW_SMTP_HOST is set, otherwise .eml files in mail_dir."""
    env = os.environ if environ is None else environ
    settings = SmtpSettings.from_env(env)
    if env.get("AFTALEFLOW_SMTP_HOST"):
        return SmtpTransport(settings)
    return FileSink(mail_dir, settings)
