"""Checking an archive package as an archivist receives it: the zip, the bag, the audit trail.

The bag's own validator (`bagit`) checks every file against the manifests; then each audit
event in `revisionsspor.json` is hashed again, so an edited event shows even if someone also
rewrote the manifests. Every finding is a Danish sentence naming the file.
"""

from __future__ import annotations

import json
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
            return _check_bag(root)
    except FileNotFoundError:
        return PackageReport(False, problems=[f"Filen {path} findes ikke."])
    except zipfile.BadZipFile as exc:
        return PackageReport(False, problems=[
            f"Filen er ikke en gyldig zip-pakke eller er beskadiget ({exc})."])
    except (zlib.error, EOFError) as exc:
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
    except bagit.BagError as exc:
        return PackageReport(False, problems=[f"Pakken er ikke en gyldig BagIt-pakke: {exc}"])
    files = len(bag.payload_entries())
    problems, events = _check_audit(root / "data" / AUDIT_FILE)
    return PackageReport(not problems, files=files, events=events, problems=problems)


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
