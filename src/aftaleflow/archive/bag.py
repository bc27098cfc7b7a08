"""Files in, one zipped BagIt bag out, byte for byte the same for the same files and date.

The `bagit` library writes the bag; three things would otherwise differ between two runs and
are pinned here: the Bagging-Date (the case's own date), the order of the tag manifest (bagit
lists tag files in directory order), and the zip entries' order, times and permissions.
Entries are stored, not deflated: every byte of a file is in the zip as is, so a changed byte
is a changed file (deflate would let some bits change without changing the content).
"""

from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import bagit

ALGORITHM = "sha256"
_CWD_LOCK = threading.Lock()  # bagit.make_bag changes the working directory while it runs


def write_package(root: str, payload: Mapping[str, bytes], info: Mapping[str, str],
                  day: date) -> bytes:
    """A zip holding one bag in folder `root`; `payload` maps paths under data/ to bytes."""
    with tempfile.TemporaryDirectory(prefix="aftaleflow-bag-") as tmp:
        bag_dir = Path(tmp) / root
        for name, data in payload.items():
            target = bag_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        bag_info = {**info, "Bagging-Date": day.isoformat(),
                    "Bag-Software-Agent": f"aftaleflow (bagit.py {bagit.VERSION})"}
        with _CWD_LOCK:
            bagit.make_bag(str(bag_dir), bag_info=bag_info, checksums=[ALGORITHM])
        _sort_lines(bag_dir / f"tagmanifest-{ALGORITHM}.txt")
        return _zip(bag_dir, root, day)


def _sort_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(sorted(lines)), encoding="utf-8")


def _zip(bag_dir: Path, root: str, day: date) -> bytes:
    buffer = io.BytesIO()
    files = sorted(p for p in bag_dir.rglob("*") if p.is_file())
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in files:
            entry = zipfile.ZipInfo(f"{root}/{path.relative_to(bag_dir).as_posix()}",
                                    date_time=(day.year, day.month, day.day, 0, 0, 0))
            entry.external_attr = 0o100644 << 16
            entry.create_system = 3
            entry.compress_type = zipfile.ZIP_STORED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()
