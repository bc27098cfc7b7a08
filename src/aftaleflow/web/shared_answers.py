"""The finished public answers shared by the workers of one `aftaleflow api --workers N` run.

Without it each worker renders each answer once per data version: four workers, four times
the work right when a spike begins after a change. `aftaleflow api` makes a directory of its
own for the run (removed when it stops) and names it in `SHARED_ANSWERS` for its workers;
an answer is a file named by its version and ETag, made by the one worker that holds the
file's lock while the others wait for the file. Only answers of one code version and one
server run are there, so a kept answer is exactly what a new rendering would give.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Answer:
    """A finished answer: what a worker keeps and the workers of a run share."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    packed: bytes | None = None  # gzip, when it is worth it

    @property
    def size(self) -> int:
        return len(self.body) + len(self.packed or b"")


SHARED_ANSWERS = "AFTALEFLOW_RUN_SHARED_ANSWERS"  # set by `aftaleflow api`, not a setting


class SharedAnswers:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @staticmethod
    def from_environment() -> SharedAnswers | None:
        found = os.environ.get(SHARED_ANSWERS)
        return SharedAnswers(Path(found)) if found and Path(found).is_dir() else None

    def _name(self, version: str, etag: str) -> Path:
        return self.directory / f"{_digest(version)}-{etag.strip(chr(34))}"

    def read(self, version: str, etag: str) -> Answer | None:
        """The answer if a worker has made it; None if not (or unreadable: make it again)."""
        try:
            data = self._name(version, etag).with_suffix(".answer").read_bytes()
            head, _, rest = data.partition(b"\n")
            meta = json.loads(head)
            body, packed = rest[:meta["body"]], rest[meta["body"]:]
            if len(body) != meta["body"] or len(packed) != max(meta["packed"], 0):
                return None
            return Answer(meta["status"], [(k.encode("latin-1"), v.encode("latin-1"))
                                           for k, v in meta["headers"]], body,
                          packed if meta["packed"] >= 0 else None)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, version: str, etag: str, answer: Answer) -> None:
        """Whole or not at all: written aside, then renamed into place."""
        meta = {"status": answer.status, "body": len(answer.body),
                "packed": -1 if answer.packed is None else len(answer.packed),
                "headers": [(k.decode("latin-1"), v.decode("latin-1"))
                            for k, v in answer.headers]}
        final = self._name(version, etag).with_suffix(".answer")
        aside = final.with_suffix(f".{os.getpid()}.part")
        with contextlib.suppress(OSError):  # a full disk: each worker makes its own
            aside.write_bytes(json.dumps(meta).encode() + b"\n" + answer.body
                              + (answer.packed or b""))
            os.replace(aside, final)

    def try_lock(self, version: str, etag: str) -> int | None:
        """The right to make this answer (a file descriptor to `unlock`), or None while
        another worker holds it."""
        try:
            fd = os.open(self._name(version, etag).with_suffix(".lock"),
                         os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            return -1  # no lock to be had: make it alone
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    @staticmethod
    def unlock(fd: int) -> None:
        if fd >= 0:
            os.close(fd)  # closing releases the lock

    def forget_other_versions(self, version: str) -> None:
        """Remove the files of earlier versions: nobody asks for them again."""
        keep = _digest(version)
        with contextlib.suppress(OSError):
            for path in self.directory.iterdir():
                if not path.name.startswith(keep):
                    with contextlib.suppress(OSError):
                        path.unlink()


def _digest(version: str) -> str:
    return hashlib.sha256(version.encode()).hexdigest()[:16]


@contextlib.contextmanager
def shared_answers_directory() -> Iterator[None]:
    """For the workers of one `aftaleflow api --workers N` run: a directory of the run's own,
    named in their environment, removed at the end. Where none can be made (no writable
    temporary directory), each worker makes its answers alone, as before."""
    try:
        made = tempfile.TemporaryDirectory(prefix="aftaleflow-public-")
    except OSError:
        yield
        return
    with made as directory:
        os.environ[SHARED_ANSWERS] = directory
        try:
            yield
        finally:
            os.environ.pop(SHARED_ANSWERS, None)
