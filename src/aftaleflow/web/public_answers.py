"""The public answers' thin path: validators, 304 and finished answers, before any route runs.

Every GET under /offentlig/ (not its static files) starts here. The data version is the public
stamp (the newest audit event, and the day): one indexed read, shared by the requests that
arrive while it runs. A request never uses a read that began before it arrived, so a change
committed before a request is seen by that request. From the stamp and the address come the
ETag and Last-Modified; a conditional request that still holds gets 304 at once.

Otherwise each worker keeps the finished answers of the current versions (body, headers and a
gzip copy, by ETag) and sends a kept one as it is: no routing, template, session or query
beyond the stamp. Only 200 answers are kept: an unknown or non-public agreement is answered
by its route every time (404, the same text). When several requests miss the same answer at
once, one makes it and the others wait for it; the workers of one `aftaleflow api` run share
what they make (`shared_answers`), so each page and feed is made once per version for all of
them (a search or filtered list stays the worker's own: its files could be countless).
PDFs pass through, with validators.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, time
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftaleflow.config import TIMEZONE
from aftaleflow.services.reading import opendata
from aftaleflow.services.reading.public import PublicStamp, public_stamp
from aftaleflow.services.uow import ServiceContext
from aftaleflow.web.shared_answers import Answer, SharedAnswers

MAX_AGE = 60
BASE_URL, CASE_HANDLER = "AFTALEFLOW_BASE_URL", "AFTALEFLOW_PUBLIC_CASE_HANDLER"
PREFIX = "/offentlig"
PASS_THROUGH = ("/offentlig/static/",)
NOT_KEPT = ("/offentlig/dokumenter/",)  # files: streamed, never held in memory
MAX_ENTRY = 16 * 1024 * 1024
MAX_TOTAL = 64 * 1024 * 1024
SHARED_WAIT = 10.0  # seconds a worker waits for another's answer before making its own
_DROPPED = {b"content-length", b"content-encoding", b"date", b"server", b"server-timing",
            b"etag", b"last-modified", b"cache-control", b"vary"}


# --- validators -----------------------------------------------------------------------------
def last_modified(stamp: PublicStamp) -> datetime:
    """The newest change, or the start of today (a publication date may begin today)."""
    midnight = datetime.combine(stamp.today, time(0), TIMEZONE)
    return max(stamp.changed_at, midnight) if stamp.changed_at else midnight


def validators(path: str, query: str, stamp: PublicStamp) -> dict[str, str]:
    """ETag, Last-Modified and Cache-Control of the answer at `path?query` in this version.

    The two settings a public answer shows are named by their raw values (the same setting
    gives the same value; `get_settings()` as a whole costs more than the rest of a hit)."""
    seen = (f"{stamp.tag}|{path}|{query}|{opendata.SCHEMA_VERSION}|"
            f"{os.environ.get(BASE_URL, '')}|{os.environ.get(CASE_HANDLER, '')}")
    return {"etag": f'"{hashlib.sha256(seen.encode()).hexdigest()[:32]}"',
            "last-modified": format_datetime(last_modified(stamp).astimezone(UTC),
                                             usegmt=True),
            "cache-control": f"public, max-age={MAX_AGE}"}


def not_modified(headers: dict[bytes, bytes], etag: str, stamp: PublicStamp) -> bool:
    """If-None-Match (weak comparison: the gzip copy's W/ tag names the same version) first,
    else If-Modified-Since."""
    match = headers.get(b"if-none-match")
    if match is not None:
        tags = {m.strip().removeprefix("W/") for m in match.decode("latin-1").split(",")}
        return etag in tags or "*" in tags
    since = headers.get(b"if-modified-since")
    if since:
        try:
            return last_modified(stamp).replace(microsecond=0) <= \
                parsedate_to_datetime(since.decode("latin-1"))
        except (TypeError, ValueError):
            return False
    return False


def accepts_gzip(headers: dict[bytes, bytes]) -> bool:
    for part in headers.get(b"accept-encoding", b"").decode("latin-1").lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() in ("gzip", "x-gzip", "*"):
            q = params.strip().removeprefix("q=").strip()
            return not q or q.rstrip("0").rstrip(".") not in ("", "0")
    return False


# --- the data version ------------------------------------------------------------------------
class VersionCheck:
    """At most one stamp read at a time per worker. A request waits for the next read to
    start, never joins one already under way, so it sees everything committed before it
    arrived; those that arrive during a read share the next one."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.Future[PublicStamp] | None = None
        self._running = False
        self._task: asyncio.Task[None] | None = None

    async def current(self, read: Callable[[], PublicStamp]) -> PublicStamp:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test client per request)
            self._loop, self._next, self._running = loop, None, False
        if self._next is None:
            self._next = loop.create_future()
        if not self._running:
            self._running = True
            self._task = loop.create_task(self._reads(read))
        return await asyncio.shield(self._next)

    async def _reads(self, read: Callable[[], PublicStamp]) -> None:
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[PublicStamp] | None = None
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    waiting.set_result(await loop.run_in_executor(None, read))
                except Exception as exc:  # every waiter gets it and goes the slow way
                    waiting.set_exception(exc)
                    waiting.exception()  # retrieved: no "never retrieved" warning
        finally:
            self._running = False
            if waiting is not None and not waiting.done():  # cancelled while reading
                waiting.cancel()


# --- the kept answers ------------------------------------------------------------------------


class Answers:
    """This worker's finished 200 answers by ETag, least recently used out first."""

    def __init__(self, budget: int = MAX_TOTAL) -> None:
        self.budget = budget
        self._items: OrderedDict[str, Answer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> Answer | None:
        with self._lock:
            found = self._items.get(etag)
            if found is not None:
                self._items.move_to_end(etag)
            return found

    def put(self, etag: str, answer: Answer) -> None:
        with self._lock:
            old = self._items.pop(etag, None)
            self._size += answer.size - (old.size if old else 0)
            self._items[etag] = answer
            while self._size > self.budget and len(self._items) > 1:
                self._size -= self._items.popitem(last=False)[1].size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._items)


def _compress(body: bytes) -> bytes | None:
    """The gzip copy, when it is smaller."""
    packed = gzip.compress(body, compresslevel=6, mtime=0)
    return packed if len(packed) < len(body) else None


# --- the middleware -----------------------------------------------------------------------
class PublicAnswers:
    """The thin path for GET under /offentlig/ (see the module's text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answers = Answers()
        self.version = VersionCheck()
        self._making: dict[str, asyncio.Future[Answer | None]] = {}
        self._version = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (scope["type"] != "http" or scope["method"] != "GET"
                or not (path == PREFIX or path.startswith(PREFIX + "/"))
                or path.startswith(PASS_THROUGH)):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        ctx = ServiceContext(engine=state.engine, actor="offentlig", clock=state.clock)
        try:
            stamp = await self.version.current(partial(public_stamp, ctx))
        except Exception:  # the database away: the route answers as it does then
            await self.app(scope, receive, send)
            return
        if stamp.tag != self._version:  # the data changed: no kept answer is current now
            self._version = stamp.tag
            self.answers.clear()
            shared = getattr(scope["app"].state, "shared_answers", None)
            if shared is not None:
                asyncio.get_running_loop().run_in_executor(
                    None, shared.forget_other_versions, stamp.tag)
        query = scope.get("query_string", b"").decode("latin-1")
        plain = validators(path, query, stamp)
        etag = plain["etag"]
        request = dict(scope["headers"])
        weak = accepts_gzip(request)  # then the tag is W/, whichever copy is sent
        if not_modified(request, etag, stamp):
            await _send_304(send, plain, weak)
            return
        if path.startswith(NOT_KEPT):
            await self.app(scope, receive, _with_validators(send, plain, weak))
            return
        answer = self.answers.get(etag)
        if answer is None:
            answer = await self._make(scope, receive, stamp.tag, etag)
        await _send(send, answer, plain if answer.status == 200 else None, weak)

    async def _make(self, scope: Scope, receive: Receive, version: str, etag: str) -> Answer:
        """The route's answer; one request makes it, those asking meanwhile wait for it (and
        with `aftaleflow api --workers N`, one worker makes it for all)."""
        making = self._making.get(etag)
        if making is not None and making.get_loop() is asyncio.get_running_loop():
            made = await asyncio.shield(making)
            if made is not None:
                return made
            return await _run(self.app, scope, receive)  # not kept (an error): each its own
        future: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._making[etag] = future
        kept: Answer | None = None
        try:
            shared: SharedAnswers | None = getattr(scope["app"].state, "shared_answers", None)
            if scope.get("query_string"):  # a search or filter: this worker's alone, so
                shared = None  # the shared files stay one per page and feed of a version
            answer = await (self._made_once(shared, scope, receive, version, etag) if shared
                            else self._render(scope, receive))
            if _keepable(answer):
                kept = answer
                self.answers.put(etag, kept)
            return answer
        finally:
            future.set_result(kept)
            if self._making.get(etag) is future:
                del self._making[etag]

    async def _render(self, scope: Scope, receive: Receive) -> Answer:
        """The route's answer; one to keep gets its gzip copy."""
        answer = await _run(self.app, scope, receive)
        if not _keepable(answer):
            return answer
        packed = await asyncio.get_running_loop().run_in_executor(None, _compress, answer.body)
        return Answer(answer.status, answer.headers, answer.body, packed)

    async def _made_once(self, shared: SharedAnswers, scope: Scope, receive: Receive,
                         version: str, etag: str) -> Answer:
        """Another worker's answer, or made here while holding its lock."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHARED_WAIT
        while True:
            found = shared.read(version, etag)
            if found is not None:
                return found
            lock = shared.try_lock(version, etag)
            if lock is not None or loop.time() > deadline:
                try:
                    found = shared.read(version, etag)  # made while we asked for the lock
                    if found is not None:
                        return found
                    answer = await self._render(scope, receive)
                    if _keepable(answer):
                        await loop.run_in_executor(None, shared.write, version, etag, answer)
                    return answer
                finally:
                    if lock is not None:
                        shared.unlock(lock)
            await asyncio.sleep(0.005)


def _keepable(answer: Answer) -> bool:
    return answer.status == 200 and len(answer.body) <= MAX_ENTRY


async def _run(app: ASGIApp, scope: Scope, receive: Receive) -> Answer:
    """Call the route and collect its whole answer."""
    status, headers, chunks = 500, [], []

    async def collect(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(k.lower(), v) for k, v in message.get("headers", [])
                       if k.lower() not in _DROPPED]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    return Answer(status, headers, b"".join(chunks))


def _validator_headers(plain: dict[str, str], weak: bool) -> list[tuple[bytes, bytes]]:
    etag = f"W/{plain['etag']}" if weak else plain["etag"]
    return [(b"etag", etag.encode()), (b"last-modified", plain["last-modified"].encode()),
            (b"cache-control", plain["cache-control"].encode()),
            (b"vary", b"Accept-Encoding")]


async def _send(send: Send, answer: Answer, plain: dict[str, str] | None,
                weak: bool) -> None:
    packed = weak and answer.packed is not None
    body = answer.packed if packed and answer.packed is not None else answer.body
    headers = [*answer.headers, (b"content-length", str(len(body)).encode())]
    if plain is not None:
        headers += _validator_headers(plain, weak)
    if packed:
        headers.append((b"content-encoding", b"gzip"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_304(send: Send, plain: dict[str, str], weak: bool) -> None:
    await send({"type": "http.response.start", "status": 304,
                "headers": _validator_headers(plain, weak)})
    await send({"type": "http.response.body", "body": b""})


def _with_validators(send: Send, plain: dict[str, str], weak: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = [(k, v) for k, v in message.get("headers", [])
                       if k.lower() not in (b"etag", b"last-modified", b"cache-control")]
            message = {**message, "headers": headers + _validator_headers(plain, weak)[:3]}
        await send(message)

    return sending
