"""Signed checkpoints: the audit chain's head, signed and kept outside the database.

Someone who can write to the database can rewrite the chain consistently (change an event and
recompute every later hash); `audit verify` then finds every link intact. A checkpoint records,
signed with the server's Ed25519 key, which event was the head, with which hash and as the how
many'th: a rewritten chain no longer passes through it. Checkpoints go to a folder outside the
database, into every backup and by mail to the manager.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from aftaleflow import audit
from aftaleflow.config import get_settings
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.services.mail.outbox import enqueue
from aftaleflow.services.safekeeping import keys
from aftaleflow.services.uow import ServiceContext, UnitOfWork

FORMAT = "aftaleflow-kontrolpunkt/1"
CHECKPOINT_MAIL = "audit_checkpoint"
_FIELDS = ("format", "event_id", "hash", "count", "at", "key_id")


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str
    count: int
    at: str
    key_id: str
    signature: str = ""
    format: str = FORMAT

    def signed_bytes(self) -> bytes:
        body = {name: getattr(self, name) for name in _FIELDS}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def file_name(self) -> str:
        stamp = self.at[:19].replace("-", "").replace(":", "")
        return f"checkpoint-{stamp}-{self.count:08d}.json"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Written:
    path: Path
    checkpoint: Checkpoint
    mail_queued: bool


def sign_head(ctx: ServiceContext) -> Checkpoint:
    """The chain's head (event id, hash, count) with the time, signed with the current key."""
    ctx.authorize("audit.verify")
    with UnitOfWork(ctx, read_only=True) as uow:
        head = audit.head(uow.session.connection())
    if head.event_id is None:
        raise ValidationFailed("Revisionssporet er tomt; der er intet at signere endnu.")
    key = keys.signing_key()
    unsigned = Checkpoint(head.event_id, head.hash, head.count, ctx.now().isoformat(),
                          keys.key_id(key.public_key()))
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


def write_checkpoint(checkpoint: Checkpoint, folder: Path) -> Path:
    """Write to a temporary name, then rename: a half-written file never looks finished."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / checkpoint.file_name()
    tmp = folder / f".{path.name}.tmp"
    with tmp.open("w", encoding="utf-8") as out:
        out.write(checkpoint.to_json())
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    return path


def make_checkpoint(ctx: ServiceContext, folder: Path | None = None) -> Written:
    """Sign the head, write it to the checkpoint folder and queue a mail to the manager."""
    checkpoint = sign_head(ctx)
    path = write_checkpoint(checkpoint, folder or get_settings().checkpoint_dir)
    with UnitOfWork(ctx) as uow:
        queued = enqueue(
            uow, key=f"{CHECKPOINT_MAIL}:{checkpoint.count}:{checkpoint.hash[:16]}",
            kind=CHECKPOINT_MAIL, recipients=[get_settings().manager_email],
            subject=f"Kontrolpunkt for revisionssporet: hændelse #{checkpoint.event_id}",
            body=checkpoint_mail(checkpoint))
        uow.commit()
    return Written(path, checkpoint, queued)


def checkpoint_mail(checkpoint: Checkpoint) -> str:
    return "\n".join([
        "Revisionssporets hoved er signeret og gemt uden for databasen.",
        "",
        f"Hændelse: #{checkpoint.event_id} (nr. {checkpoint.count} i kæden)",
        f"Hash: {checkpoint.hash}",
        f"Tidspunkt: {checkpoint.at}",
        f"Nøgle: {checkpoint.key_id}",
        "",
        "Gem denne mail. Kontrolpunktet (filen nedenfor) kan senere lægges i en mappe og",
        "kontrolleres med: aftaleflow audit verify --checkpoints MAPPE",
        "",
        checkpoint.to_json(),
        "Venlig hilsen",
        "aftaleflow",
    ])


@dataclass(frozen=True)
class Forged:
    name: str
    reason: str


@dataclass(frozen=True)
class CheckpointCheck:
    """The chain checked against every checkpoint of a folder."""

    chain: audit.ChainReport
    checkpoints: list[tuple[str, Checkpoint]] = field(default_factory=list)
    forged: list[Forged] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.forged


def read_checkpoints(folder: Path, ring: list[keys.PublicKey]
                     ) -> tuple[list[tuple[str, Checkpoint]], list[Forged]]:
    """Every checkpoint file of `folder` whose signature holds, and every one that does not."""
    if not folder.is_dir():
        raise ValidationFailed(f"Mappen med kontrolpunkter findes ikke: {folder}.")
    good: list[tuple[str, Checkpoint]] = []
    forged: list[Forged] = []
    by_id = {k.key_id: k for k in ring}
    for path in sorted(folder.glob("*.json")):
        checkpoint, reason = _load(path, by_id)
        if checkpoint is None:
            forged.append(Forged(path.name, reason))
        else:
            good.append((path.name, checkpoint))
    return good, forged


def _load(path: Path, ring: dict[str, keys.PublicKey]) -> tuple[Checkpoint | None, str]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        checkpoint = Checkpoint(**data)
        if checkpoint.format != FORMAT or not isinstance(checkpoint.count, int) or \
                not isinstance(checkpoint.event_id, int):
            raise TypeError
    except (ValueError, TypeError, UnicodeDecodeError):
        return None, "filen er ikke et læsbart kontrolpunkt"
    key = ring.get(checkpoint.key_id)
    if key is None:
        return None, f"signeret med en ukendt nøgle ({checkpoint.key_id[:16]})"
    try:
        key.verifier().verify(base64.b64decode(checkpoint.signature, validate=True),
                              checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        return None, "signaturen passer ikke til indholdet"
    if key.retired_at and checkpoint.at > key.retired_at:
        return None, (f"signeret {checkpoint.at[:19]} med nøgle {key.key_id}, som blev "
                      f"udskiftet {key.retired_at[:19]}")
    return checkpoint, ""


def verify_with_checkpoints(ctx: ServiceContext, folder: Path,
                            ring_file: Path | None = None) -> CheckpointCheck:
    """Check the chain link by link and against every checkpoint in `folder`."""
    ctx.authorize("audit.verify")
    good, forged = read_checkpoints(folder, keys.public_keys(ring_file))
    anchors = [audit.Anchor(name, c.event_id, c.hash, c.count) for name, c in good]
    with UnitOfWork(ctx, read_only=True) as uow:
        report = audit.verify(uow.session, anchors)
    return CheckpointCheck(report, good, forged)
