"""Checking an archive package as an archivist receives it: the zip, the bag, the audit trail.

The bag's own validator (`bagit`) checks every file against the manifests; then each audit
event in `revisionsspor.json` is hashed again, so an edited event shows even if someone also
rewrote the manifests. Every finding is a Danish sentence naming the file.
"""

from __future__ import annotations

import json
import re
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import bagit

from aftaleflow.audit import event_hash
from aftaleflow.domain.model import AuditEvent

AUDIT_FILE = "revisionsspor.json"
TAG_MANIFEST = "tagmanifest-sha256.txt"
_TAG_LINE = re.compile(r"[0-9a-f]{64} [^\s/][^\n\r]*\n")
_EVENT_FIELDS = ("at", "actor", "entity", "entity_id", "agreement_id", "trigger",
                 "from_state", "to_state", "comment")


@dataclass
class PackageReport:
    ok: bool
    files: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def verify_package(path: Path) -> PackageReport:
    """Unpack into a temporary folder and check the bag and the audit events inside."""
    try:
        with zipfile.ZipFile(path) as archive, \
                tempfile.TemporaryDirectory(prefix="aftaleflow-verify-") as tmp:
            root = _extract(archive, Path(tmp))
            report = _check_bag(root)
            if report.ok:
                try:
                    report.problems = _check_zip_form(archive, path, _bagging_date(root))
                except struct.error:
                    report.problems = ["Zip-filen er afkortet eller har fået ekstra bytes."]
                report.ok = not report.problems
            return report
    except FileNotFoundError:
        return PackageReport(False, problems=[f"Filen {path} findes ikke."])
    except zipfile.BadZipFile as exc:
        return PackageReport(False, problems=[
            f"Filen er ikke en gyldig zip-pakke eller er beskadiget ({exc})."])
    except (zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError,
            struct.error) as exc:  # e.g. a flag bit now claims encryption
        return PackageReport(False, problems=[
            f"Pakken er beskadiget: en fil kan ikke pakkes ud ({exc})."])


def _extract(archive: zipfile.ZipFile, target: Path) -> Path:
    names = archive.namelist()
    tops = {PurePosixPath(n).parts[0] for n in names if n}
    unsafe = [n for n in names if n.startswith("/") or ".." in PurePosixPath(n).parts]
    if len(tops) != 1 or unsafe:
        raise zipfile.BadZipFile("pakken skal have præcis én mappe og ingen stier uden for den")
    for name in names:  # testzip-like: reading every member checks its CRC
        archive.read(name)
    archive.extractall(target)
    return target / tops.pop()


def _check_bag(root: Path) -> PackageReport:
    try:
        bag = bagit.Bag(str(root))
        bag.validate()
    except bagit.BagValidationError as exc:
        return PackageReport(False, problems=[_detail(d) for d in exc.details] or [
            f"BagIt-kontrollen fejlede: {exc.message}"])
    except (bagit.BagError, ValueError, OSError) as exc:  # incl. UnicodeDecodeError
        return PackageReport(False, problems=[f"Pakken er ikke en gyldig BagIt-pakke: {exc}"])
    files = len(bag.payload_entries())
    problems, events = _check_audit(root / "data" / AUDIT_FILE)
    problems = _check_tag_manifest(root / TAG_MANIFEST) + problems
    return PackageReport(not problems, files=files, events=events, problems=problems)


def _bagging_date(root: Path) -> tuple[int, int, int, int, int, int] | None:
    info = (root / "bag-info.txt").read_text(encoding="utf-8")
    found = re.search(r"^Bagging-Date: (\d{4})-(\d{2})-(\d{2})$", info, re.MULTILINE)
    return (int(found[1]), int(found[2]), int(found[3]), 0, 0, 0) if found else None


def _check_zip_form(archive: zipfile.ZipFile, path: Path,
                    day: tuple[int, int, int, int, int, int] | None) -> list[str]:
    """Every header byte as aftaleflow writes it: each local header, directory entry and the
    end record parsed from the raw bytes and held against the other copy and fixed values."""
    data = path.read_bytes()
    if day is None:
        return ["bag-info.txt har ingen gyldig Bagging-Date."]
    time, date = _dos_time(day)
    entries, pos = [], 0
    for info in archive.infolist():
        local = struct.unpack_from("<4sHHHHHIIIHH", data, pos)
        name = data[pos + 30:pos + 30 + local[9]]
        content = data[pos + 30 + len(name):pos + 30 + len(name) + local[7]]
        expected = (b"PK\x03\x04", local[1], local[2], zipfile.ZIP_STORED, time, date,
                    zlib.crc32(content), len(content), len(content), len(name), 0)
        if local != expected or local[2] not in (0, 0x800) or name != info.filename.encode():
            return [f"Zip-posten for {info.filename} er ændret (hovedet svarer ikke til det, "
                    "aftaleflow skriver)."]
        entries.append((pos, name, local))
        pos += 30 + len(name) + len(content)
    directory_at = pos
    for offset, name, local in entries:
        central = struct.unpack_from("<4sBBBBHHHHIIIHHHHHII", data, pos)
        expected_central = (b"PK\x01\x02", local[1], 3, local[1], 0, local[2], 0, time, date,
                            local[6], local[7], local[8], len(name), 0, 0, 0, 0,
                            0o100644 << 16, offset)
        if central != expected_central or data[pos + 46:pos + 46 + len(name)] != name:
            shown = name.decode(errors="replace")
            return [f"Zip-filens indholdsfortegnelse er ændret ved {shown}."]
        pos += 46 + len(name)
    end = struct.unpack_from("<4s4H2LH", data, pos)
    count = len(entries)
    if end != (b"PK\x05\x06", 0, 0, count, count, pos - directory_at, directory_at, 0) \
            or pos + 22 != len(data):
        return ["Zip-filens slutpost er ændret (antal filer, placering eller kommentar)."]
    return []


def _dos_time(when: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = when
    return (hour << 11 | minute << 5 | second // 2), ((year - 1980) << 9 | month << 5 | day)


def _check_tag_manifest(path: Path) -> list[str]:
    """No file hashes the tag manifest, so it must be exactly in the form aftaleflow writes."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return [f"Filen {TAG_MANIFEST} mangler eller kan ikke læses."]
    if not lines or lines != sorted(lines) or not all(_TAG_LINE.fullmatch(x) for x in lines):
        return [f"Filen {TAG_MANIFEST} er ændret: den har ikke den form, aftaleflow skriver "
                "(én linje pr. fil, sorteret: sha256, mellemrum, filnavn)."]
    return []


def _detail(detail: Any) -> str:
    if isinstance(detail, bagit.ChecksumMismatch):
        return (f"Filen {detail.path} er ændret: dens sha256 er {detail.found}, men "
                f"manifestet angiver {detail.expected}.")
    if isinstance(detail, bagit.FileMissing):
        return f"Filen {detail.path} står i manifestet, men mangler i pakken."
    if isinstance(detail, bagit.UnexpectedFile):
        return f"Filen {detail.path} er i pakken, men står ikke i manifestet."
    return f"BagIt-kontrollen fejlede: {detail}"


def _check_audit(path: Path) -> tuple[list[str], int]:
    try:
        trail = json.loads(path.read_text(encoding="utf-8"))
        events = trail["haendelser"]
        status = trail["kontrol"]["status"]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"Revisionssporet ({AUDIT_FILE}) mangler eller kan ikke læses."], 0
    problems = []
    if status != "intakt":
        problems.append(f"Revisionssporet var ikke intakt, da pakken blev dannet: {status}.")
    for raw in events:
        try:
            event = AuditEvent(**{name: raw[name] for name in _EVENT_FIELDS})
            ok = event_hash(event, raw["prev_hash"]) == raw["hash"]
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(f"Hændelse {raw.get('id', '?') if isinstance(raw, dict) else '?'} "
                            "i revisionssporet passer ikke med sin hash (indholdet er ændret).")
    return problems, len(events)
