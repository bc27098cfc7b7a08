"""A light HTTP/1.1 client for many closed-loop clients in one process (bench/bench_public.py,
tests/scale/test_public_load.py).

Each client holds one keep-alive connection and sends its next GET when the answer is in;
answers are parsed by httptools (C), as uvicorn parses requests, and read whole: a gzip body
must inflate (CRC and length checked), any other body must have its whole Content-Length.
About 0.2 ms of client CPU per answer here; httpx's AsyncClient spends about 4 ms.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import cast

import httptools

Answer = tuple[int, dict[bytes, bytes], bytes]


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.host = ""
        self.waiter: asyncio.Future[Answer] | None = None
        self.headers: dict[bytes, bytes] = {}
        self.body: list[bytes] = []

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        _, connection = await asyncio.get_running_loop().create_connection(cls, host, port)
        connection.host = f"{host}:{port}"
        return connection

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ValueError(f"not HTTP: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    # httptools' callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((self.parser.get_status_code(), self.headers,
                                    b"".join(self.body)))

    async def request(self, path: str, headers: dict[str, str]) -> Answer:
        if self.transport is None:
            raise ConnectionResetError("the connection is closed")
        lines = "".join(f"{k}: {v}\r\n" for k, v in {"Host": self.host, **headers}.items())
        self.headers, self.body = {}, []
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(f"GET {path} HTTP/1.1\r\n{lines}\r\n".encode())
        return await self.waiter


async def get(connection: Connection, path: str, *, gzip: bool = True) -> Answer:
    """GET as a browser does (gzip accepted); the body unpacked and checked."""
    headers = {"Accept-Encoding": "gzip" if gzip else "identity",
               "User-Agent": "aftaleflow-public-bench"}
    status, got, body = await connection.request(path, headers)
    if got.get(b"content-encoding") == b"gzip":
        try:
            body = zlib.decompress(body, 31)
        except zlib.error as exc:
            raise ValueError(f"a broken gzip body: {exc}") from exc
    return status, got, body


def server_timing(value: bytes | None) -> dict[str, float]:
    """`app;dur=12.4, cpu;dur=3.1` (serving/timing.py) as {"app": 12.4, "cpu": 3.1}."""
    found = {}
    for part in (value or b"").decode().split(","):
        name, _, rest = part.strip().partition(";")
        if rest.startswith("dur="):
            found[name] = float(rest[4:])
    return found
