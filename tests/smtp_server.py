"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), recording every envelope it takes.

    with SmtpTestServer() as server:
        send(mail, server.settings())
        assert server.received[0].message["Subject"] == "..."

Options: refuse some recipients (550 at RCPT), refuse all data (554 at DATA), require a login,
and STARTTLS or implicit TLS with a throw-away certificate (`server.ca_file` verifies it).
A login without TLS makes aiosmtpd warn (UserWarning "Requiring AUTH while not requiring
TLS"); tests that do it on purpose filter that warning.
aiosmtpd cannot start on port 0 (it probes the port it was given), so a free port is picked
first. smtplib returns only after the server answered DATA, so `received` is complete when
`send` returns: no sleeping.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import tempfile
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from aftaleflow.mail import SmtpSettings

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on right now (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ReceivedMail:
    """One envelope as the server took it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The parsed message, with the wire's CRLF line ends turned into LF as a client does."""
        text = self.data.replace(b"\r\n", b"\n")
        return message_from_bytes(text, policy=policy.default)


class RecordingHandler:
    """aiosmtpd handler: refuses chosen recipients or all data, records everything else."""

    def __init__(self, refuse_recipients: frozenset[str], refuse_data: str | None) -> None:
        self.refuse_recipients = refuse_recipients
        self.refuse_data = refuse_data
        self.received: list[ReceivedMail] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse_recipients:
            return "550 5.1.1 Ukendt modtager"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data is not None:
            return self.refuse_data
        self.received.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos),
                                          bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


def write_self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost valid today, and its key: (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aftaleflow test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


class SmtpTestServer:
    """Context manager running aiosmtpd on 127.0.0.1 in a background thread."""

    def __init__(self, *, refuse_recipients: frozenset[str] = frozenset(),
                 refuse_data: str | None = None, login: tuple[str, str] | None = None,
                 tls: Literal["none", "starttls", "ssl"] = "none") -> None:
        self.handler = RecordingHandler(refuse_recipients, refuse_data)
        self.login = login
        self.tls = tls
        self.port = free_port()
        self.ca_file: str | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._controller: Controller | None = None

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received

    def settings(self, **overrides: Any) -> SmtpSettings:
        """Client settings that reach this server (login and TLS included)."""
        values: dict[str, Any] = {"host": HOST, "port": self.port, "tls": self.tls,
                                  "ca_file": self.ca_file, "timeout": 5.0,
                                  "sender": "aftaleflow@region.example"}
        if self.login is not None:
            values["user"], values["password"] = self.login
        values.update(overrides)
        return SmtpSettings(**values)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and self.login is not None
              and (auth_data.login.decode(), auth_data.password.decode()) == self.login)
        return AuthResult(success=ok, handled=False)

    def _controller_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.login is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.tls != "none")
        if self.tls == "none":
            return kwargs
        self._tempdir = tempfile.TemporaryDirectory(prefix="smtp-tls-")
        cert, key = write_self_signed_certificate(Path(self._tempdir.name))
        self.ca_file = str(cert)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if self.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            kwargs.update(ssl_context=context)
        return kwargs

    def __enter__(self) -> SmtpTestServer:
        self._controller = Controller(self.handler, hostname=HOST, port=self.port,
                                      **self._controller_kwargs())
        self._controller.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._controller is not None:
            self._controller.stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
