"""The SMTP adapter against a real aiosmtpd server on 127.0.0.1, and the .eml file sink."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader, PdfWriter

from aftaleflow.mail import (
    Attachment,
    FileSink,
    MailDeliveryError,
    OutgoingMail,
    PartialDeliveryError,
    SmtpSettings,
    SmtpTransport,
    Transport,
    build_message,
    send,
    transport_from_env,
)
from tests.smtp_server import ReceivedMail, SmtpTestServer, free_port

pytestmark = [
    pytest.mark.slow,  # real SMTP servers on 127.0.0.1
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

SENT_AT = datetime(2027, 3, 22, 9, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
SUBJECT = "Anmodning om godkendelse: Børn og unge i mistrivsel – svar senest 31. marts 2027"
BODY = (
    "Kære Ærø Kommune\n\n"
    "Sundhedssamarbejdsudvalget beder om kommunalbestyrelsens godkendelse af "
    "samarbejdsaftalen »Børn og unge i mistrivsel«.\n"
    "Svar venligst senest 31. marts 2027 (hverdage: mandag–fredag undtagen helligdage).\n\n"
    "Med venlig hilsen\nSekretariatet, Region Syddanmark — Søren Ågård\n"
)


def tiny_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def request_mail(key: str = "approval:17:anmodning",
                 recipients: Sequence[str] = ("post@aeroe.example", "sekretariat@aeroe.example"),
                 attachments: Sequence[Attachment] = ()) -> OutgoingMail:
    return OutgoingMail(
        idempotency_key=key, recipients=recipients, subject=SUBJECT, body=BODY,
        attachments=attachments, extra_headers={"X-Aftaleflow-Kind": "anmodning"})


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


# --- settings ----------------------------------------------------------------------------


def test_settings_default_to_a_local_server_without_tls() -> None:
    settings = SmtpSettings.from_env({})
    assert settings == SmtpSettings(host="127.0.0.1", port=25, tls="none", user=None,
                                    password=None, sender="aftaleflow@localhost", timeout=30.0)


def test_settings_read_every_variable() -> None:
    settings = SmtpSettings.from_env({
        "AFTALEFLOW_SMTP_HOST": "smtp.region.example", "AFTALEFLOW_SMTP_PORT": "587",
        "AFTALEFLOW_SMTP_TLS": "STARTTLS", "AFTALEFLOW_SMTP_USER": "aftaleflow",
        "AFTALEFLOW_SMTP_PASSWORD": "hemmelig", "AFTALEFLOW_MAIL_SENDER": "sundhed@rm.example",
        "AFTALEFLOW_SMTP_TIMEOUT": "12.5", "AFTALEFLOW_SMTP_CA_FILE": "/etc/ssl/region.pem",
    })
    assert settings == SmtpSettings(
        host="smtp.region.example", port=587, tls="starttls", user="aftaleflow",
        password="hemmelig", sender="sundhed@rm.example", timeout=12.5,
        ca_file="/etc/ssl/region.pem")
    assert "hemmelig" not in repr(settings)


@pytest.mark.parametrize(("env", "message"), [
    ({"AFTALEFLOW_SMTP_TLS": "tls"}, "AFTALEFLOW_SMTP_TLS='tls' er ukendt"),
    ({"AFTALEFLOW_SMTP_PORT": "femogtyve"}, "AFTALEFLOW_SMTP_PORT='femogtyve' er ikke et tal"),
    ({"AFTALEFLOW_SMTP_PORT": "0"}, "skal være større end 0"),
    ({"AFTALEFLOW_SMTP_PASSWORD": "x"}, "uden AFTALEFLOW_SMTP_USER"),
])
def test_bad_settings_are_refused_in_danish(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SmtpSettings.from_env(env)


# --- the message -------------------------------------------------------------------------


def test_message_id_comes_from_the_idempotency_key() -> None:
    first, again = request_mail("approval:17:anmodning"), request_mail("approval:17:anmodning")
    other = request_mail("approval:18:anmodning")
    assert first.message_id == again.message_id
    assert first.message_id != other.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@aftaleflow.local>")
    assert len(first.message_id) == len("<@aftaleflow.local>") + 40


def test_build_message_sets_headers_body_and_attachments() -> None:
    pdf = tiny_pdf()
    mail = request_mail(attachments=[Attachment("Samarbejdsaftale – børn og unge.pdf", pdf)])
    message = parse(build_message(mail, SmtpSettings(), sent_at=SENT_AT).as_bytes())
    assert [(k, str(v)) for k, v in message.items()] == [
        ("From", "aftaleflow@localhost"),
        ("To", "post@aeroe.example, sekretariat@aeroe.example"),
        ("Subject", SUBJECT),
        ("Date", "Mon, 22 Mar 2027 09:30:00 +0100"),
        ("Message-ID", mail.message_id),
        ("X-Aftaleflow-Kind", "anmodning"),
        ("MIME-Version", "1.0"),
        ("Content-Type", message["Content-Type"]),
    ]
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.iter_parts()
    assert body.get_content_type() == "text/plain"
    assert body.get_content_charset() == "utf-8"
    assert body["Content-Transfer-Encoding"] == "quoted-printable"
    assert cast(EmailMessage, body).get_content() == BODY
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Samarbejdsaftale – børn og unge.pdf"
    assert cast(EmailMessage, attachment).get_content() == pdf


def test_the_same_mail_and_time_give_the_same_bytes() -> None:
    def render() -> bytes:
        mail = request_mail(attachments=[Attachment("bilag.pdf", tiny_pdf())])
        return build_message(mail, SmtpSettings(), sent_at=SENT_AT).as_bytes()

    assert render() == render()
    assert b"=_aftaleflow_" in render()  # the boundary, derived from the key


def test_the_raw_message_is_seven_bit_with_the_danish_subject_encoded() -> None:
    raw = build_message(request_mail(), SmtpSettings(), sent_at=SENT_AT).as_bytes()
    raw.decode("ascii")  # no 8-bit bytes: any SMTP server takes it
    assert b"Subject: Anmodning om godkendelse: =?utf-8?q?B=C3=B8rn_og_unge" in raw


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"recipients": ()}, "mindst én modtager"),
    ({"idempotency_key": ""}, "idempotensnøgle"),
    ({"extra_headers": {"Message-ID": "<x@y>"}}, "Message-ID sættes af aftaleflow"),
    ({"extra_headers": {"X-Sag": "1\r\nBcc: alle@example"}}, "linjeskift"),
    ({"attachments": [Attachment("bilag", b"x", "pdf")]}, "Ugyldig MIME-type 'pdf'"),
])
def test_invalid_mails_are_refused(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"idempotency_key": "k", "recipients": ["a@example"],
                                 "subject": "Emne", "body": "Tekst"}
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        OutgoingMail(**values)  # type: ignore[arg-type]


def test_outgoing_mail_freezes_its_lists() -> None:
    recipients = ["a@example"]
    mail = OutgoingMail("k", recipients, "Emne", "Tekst",
                        attachments=[("bilag.pdf", b"%PDF", "application/pdf")])  # type: ignore[list-item]
    recipients.append("b@example")
    assert mail.recipients == ("a@example",)
    assert mail.attachments == (Attachment("bilag.pdf", b"%PDF", "application/pdf"),)


# --- sending to a real SMTP server -------------------------------------------------------


def test_send_delivers_exactly_the_built_message() -> None:
    mail = request_mail(attachments=[Attachment("aftale.pdf", tiny_pdf(2))])
    with SmtpTestServer() as server:
        settings = server.settings()
        send(mail, settings, sent_at=SENT_AT)
    expected = build_message(mail, settings, sent_at=SENT_AT).as_bytes(policy=policy.SMTP)
    assert server.received == [ReceivedMail(
        mail_from="aftaleflow@region.example",
        rcpt_tos=("post@aeroe.example", "sekretariat@aeroe.example"),
        data=expected)]


def test_danish_text_and_pdf_attachments_arrive_intact() -> None:
    attachments = [Attachment("Dagsordenpunkt – Ærø.pdf", tiny_pdf(1)),
                   Attachment("Samarbejdsaftale.pdf", tiny_pdf(3))]
    with SmtpTestServer() as server:
        send(request_mail(attachments=attachments), server.settings())
    message = server.received[0].message
    assert message["Subject"] == SUBJECT
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert cast(EmailMessage, body).get_content() == BODY
    received = [(part.get_filename(), part.get_content_type(),
                 len(PdfReader(BytesIO(part.get_content())).pages))
                for part in message.iter_attachments()]
    assert received == [("Dagsordenpunkt – Ærø.pdf", "application/pdf", 1),
                        ("Samarbejdsaftale.pdf", "application/pdf", 3)]


def test_a_resent_outbox_row_keeps_its_message_id() -> None:
    with SmtpTestServer() as server:
        send(request_mail("approval:17:rykker_1"), server.settings())
        send(request_mail("approval:17:rykker_1"), server.settings())
        send(request_mail("approval:18:rykker_1"), server.settings())
    ids = [r.message["Message-ID"] for r in server.received]
    assert ids[0] == ids[1] == request_mail("approval:17:rykker_1").message_id
    assert ids[2] != ids[0]


def test_display_names_stay_in_headers_and_bare_addresses_go_in_the_envelope() -> None:
    mail = request_mail(recipients=["Ærø Kommune <post@aeroe.example>"])
    with SmtpTestServer() as server:
        send(mail, server.settings(sender="Region Syddanmark – Sundhed <sundhed@rsyd.example>"))
    (received,) = server.received
    assert (received.mail_from, received.rcpt_tos) == (
        "sundhed@rsyd.example", ("post@aeroe.example",))
    assert str(received.message["From"]) == "Region Syddanmark – Sundhed <sundhed@rsyd.example>"
    assert str(received.message["To"]) == "Ærø Kommune <post@aeroe.example>"


def test_login_with_the_right_password_delivers() -> None:
    with SmtpTestServer(login=("aftaleflow", "hemmelig")) as server:
        send(request_mail(), server.settings())
    assert len(server.received) == 1


def test_login_with_a_wrong_password_is_a_delivery_error() -> None:
    with (SmtpTestServer(login=("aftaleflow", "hemmelig")) as server,
          pytest.raises(MailDeliveryError, match="afviste login for aftaleflow: 535")):
        send(request_mail(), server.settings(password="forkert"))
    assert server.received == []


def test_starttls_with_login_delivers() -> None:
    with SmtpTestServer(tls="starttls", login=("aftaleflow", "hemmelig")) as server:
        send(request_mail(), server.settings())
    assert server.received[0].message["Subject"] == SUBJECT


def test_a_server_requiring_starttls_refuses_a_plain_session() -> None:
    with (SmtpTestServer(tls="starttls") as server,
          pytest.raises(MailDeliveryError, match=r"afviste afsenderen .*: 530")):
        send(request_mail(), server.settings(tls="none"))
    assert server.received == []


def test_implicit_tls_delivers() -> None:
    with SmtpTestServer(tls="ssl") as server:
        send(request_mail(), server.settings())
    assert len(server.received) == 1


def test_an_untrusted_certificate_is_a_delivery_error() -> None:
    with (SmtpTestServer(tls="ssl") as server,
          pytest.raises(MailDeliveryError, match=r"Krypteret forbindelse .* mislykkedes")):
        send(request_mail(), server.settings(ca_file=None))
    assert server.received == []


# --- failures ----------------------------------------------------------------------------


def test_a_closed_port_is_a_delivery_error() -> None:
    port = free_port()
    settings = SmtpSettings(host="127.0.0.1", port=port, timeout=5)
    with pytest.raises(MailDeliveryError) as caught:
        send(request_mail(), settings)
    assert caught.value.message == (
        f"Mailserveren 127.0.0.1:{port} afviste forbindelsen; kører den, og er porten rigtig?")
    assert str(caught.value) == caught.value.message


def test_a_server_that_never_greets_times_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection in the kernel, never answers
        settings = SmtpSettings(port=listener.getsockname()[1], timeout=0.5)
        with pytest.raises(MailDeliveryError, match="svarede ikke inden for 0,5 sekunder"):
            send(request_mail(), settings)


def test_a_refused_message_is_a_delivery_error() -> None:
    with (SmtpTestServer(refuse_data="554 5.6.0 Indholdet blev afvist") as server,
          pytest.raises(MailDeliveryError,
                        match=r"afviste mailen <\w+@aftaleflow\.local>: 554 5\.6\.0 Indholdet")):
        send(request_mail(), server.settings())


def test_all_recipients_refused_is_a_delivery_error() -> None:
    refused = frozenset({"post@aeroe.example", "sekretariat@aeroe.example"})
    with (SmtpTestServer(refuse_recipients=refused) as server,
          pytest.raises(MailDeliveryError, match="afviste alle modtagere: post@aeroe")):
        send(request_mail(), server.settings())
    assert server.received == []


def test_some_recipients_refused_names_them_and_the_rest_get_the_mail() -> None:
    with (SmtpTestServer(refuse_recipients=frozenset({"sekretariat@aeroe.example"})) as server,
          pytest.raises(PartialDeliveryError) as caught):
        send(request_mail(), server.settings())
    assert caught.value.refused == ("sekretariat@aeroe.example",)
    assert "afviste nogle modtagere: sekretariat@aeroe.example" in caught.value.message
    assert [r.rcpt_tos for r in server.received] == [("post@aeroe.example",)]


# --- transports --------------------------------------------------------------------------


def deliver_all(transport: Transport, mails: Sequence[OutgoingMail]) -> None:
    for mail in mails:
        transport.send(mail)


def test_smtp_transport_sends_through_the_server() -> None:
    with SmtpTestServer() as server:
        deliver_all(SmtpTransport(server.settings()), [request_mail("a"), request_mail("b")])
    assert [r.message["Message-ID"] for r in server.received] == [
        request_mail("a").message_id, request_mail("b").message_id]


def test_file_sink_writes_one_eml_per_message_id(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "mail", SmtpSettings(sender="sundhed@rsyd.example"))
    pdf = tiny_pdf()
    mail = request_mail(attachments=[Attachment("aftale.pdf", pdf)])
    deliver_all(sink, [mail, mail, request_mail("other")])
    files = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert files == sorted([sink.path_for(mail).name, sink.path_for(request_mail("other")).name])
    message = parse(sink.path_for(mail).read_bytes())
    assert message["Subject"] == SUBJECT
    assert message["From"] == "sundhed@rsyd.example"
    assert message["Message-ID"] == mail.message_id
    (attachment,) = message.iter_attachments()
    assert len(PdfReader(BytesIO(attachment.get_content())).pages) == 1


def test_file_sink_reports_an_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "mail"
    blocker.write_text("ikke en mappe")
    with pytest.raises(MailDeliveryError, match="Mailen kunne ikke gemmes i"):
        FileSink(blocker).send(request_mail())


def test_transport_from_env_uses_files_unless_a_server_is_configured(tmp_path: Path) -> None:
    assert transport_from_env(tmp_path, {}) == FileSink(tmp_path, SmtpSettings())
    smtp = transport_from_env(tmp_path, {"AFTALEFLOW_SMTP_HOST": "smtp.region.example"})
    assert smtp == SmtpTransport(SmtpSettings(host="smtp.region.example"))
