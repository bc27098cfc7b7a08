"""The load client's HTTP/1.1: one keep-alive connection per simulated client, asyncio streams.

The load runs its 50 clients on the same two cores as the server. httpx's AsyncClient spent
about 7 ms of CPU a request here (measured with `time.process_time` around the drive),
close to what the server spent answering it, so the instrument ate the cores it measured.
This speaks just the HTTP/1.1 the API answers with (Content-Length or chunked bodies,
keep-alive) and costs a fraction of that; every byte still goes through a real socket to
the real uvicorn workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any


class HttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Connection:
    host: str
    port: int
    headers: dict[str, str] = field(default_factory=dict)  # sent with every request
    timeout: float = 120.0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None,
                      headers: dict[str, str] | None = None) -> Answer:
        """One request on the kept connection (opened, or opened again, as needed)."""
        try:
            return await asyncio.wait_for(self._exchange(method, path, body, headers or {}),
                                          self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise HttpError(repr(exc)) from exc

    async def _exchange(self, method: str, path: str, body: Any,
                        headers: dict[str, str]) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (self.headers | headers).items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        await self._writer.drain()
        status_line = await self._reader.readline()
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP answer: {status_line[:80]!r}")
        answer_headers: dict[str, str] = {}
        while (line := await self._reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        content = await self._body(answer_headers, method)
        if answer_headers.get("connection", "").lower() == "close":
            await self.close()
        return Answer(int(parts[1]), answer_headers, content)

    async def _body(self, headers: dict[str, str], method: str) -> bytes:
        assert self._reader is not None
        if "content-length" in headers:
            return await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self._reader.readline()).split(b";")[0], 16):
                chunks.append(await self._reader.readexactly(size))
                await self._reader.readline()
            await self._reader.readline()  # the blank line after the last chunk
            return b"".join(chunks)
        return b""  # 204, 304 or HEAD: no body

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
