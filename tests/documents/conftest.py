"""Fixtures for the document tests: a recording HTTP server on 127.0.0.1, and PDF readers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aftaleflow.documents.render import (
    RenderedDocument,
    render_agenda,
    render_agenda_item,
    render_protocol,
)
from aftaleflow.documents.viewmodels import AgendaView
from tests.documents import factories


class RecordingServer:
    """A real HTTP server that answers 200 to anything and remembers every request path."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.append(self.path)
                body = b"root:x:0:0:served-by-test-server"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def http_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)


# Renderings shared by several tests: each takes about half a second, so make each once.

@pytest.fixture(scope="session")
def item_pdf() -> RenderedDocument:
    return render_agenda_item(factories.MEETING, factories.SEED_ITEM)


@pytest.fixture(scope="session")
def toc_agenda() -> AgendaView:
    """Six items of different lengths (one closed), so items start on uneven pages."""
    return factories.agenda(5, with_closed=True, varied_length=True)


@pytest.fixture(scope="session")
def agenda_pdf(toc_agenda: AgendaView) -> RenderedDocument:
    return render_agenda(toc_agenda)


@pytest.fixture(scope="session")
def public_agenda_pdf(toc_agenda: AgendaView) -> RenderedDocument:
    return render_agenda(toc_agenda, public=True)


@pytest.fixture(scope="session")
def protocol_pdf() -> RenderedDocument:
    return render_protocol(factories.protocol())


@pytest.fixture(scope="session")
def public_protocol_pdf() -> RenderedDocument:
    return render_protocol(factories.protocol(), public=True)
