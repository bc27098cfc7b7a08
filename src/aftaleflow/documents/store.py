"""Writing a rendered PDF to the document store, whole or not at all.

The file is named by kind and content hash, so storing the same document twice gives the same
path and a reader never sees half a file: it is written to a temporary file in the same
directory, flushed to disk, and moved into place with os.replace.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aftaleflow.documents.render import RenderedDocument

FILE_MODE = 0o640
HASH_PREFIX = 16


def document_filename(result: RenderedDocument) -> str:
    """E.g. "dagsorden-3f2a9c0b1d4e5f60.pdf"."""
    return f"{result.kind}-{result.sha256[:HASH_PREFIX]}.pdf"


def store_document(result: RenderedDocument, directory: Path) -> Path:
    """Write the PDF atomically into `directory` and return its path; a file already there
    with the same bytes (the name carries the hash) is kept as it is."""
    if hashlib.sha256(result.pdf).hexdigest() != result.sha256:
        raise ValueError("The PDF bytes do not match the document's sha256; not stored.")
    target = directory / document_filename(result)
    if _holds(target, result.sha256):
        return target
    return store_bytes(result.pdf, target)


def _holds(target: Path, sha256: str) -> bool:
    """Whether `target` exists and its bytes have this sha256."""
    try:
        return hashlib.sha256(target.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def store_file(data: bytes, kind: str, suffix: str, directory: Path) -> tuple[Path, str]:
    """Store any file (a bilag, a Word draft) by kind and content hash: (path, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    return store_bytes(data, directory / f"{kind}-{digest[:HASH_PREFIX]}{suffix}"), digest


def store_bytes(data: bytes, target: Path) -> Path:
    """Write `data` atomically to `target` (temporary file, fsync, rename)."""
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _sync_directory(directory)
    return target


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
