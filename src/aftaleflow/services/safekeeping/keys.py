"""The Ed25519 key pair that signs checkpoints of the audit chain.

The private key lives in one file (mode 0600, `AFTALEFLOW_SIGNING_KEY`); every public key ever
used is kept in a JSON file beside it, so checkpoints signed before a rotation still verify.
Publish the public key (`aftaleflow audit key`) somewhere the server's administrators cannot
change it: a checkpoint is only as trustworthy as the key it is checked with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from aftaleflow.config import get_settings
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.services.uow import ServiceContext, UnitOfWork


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    public_key: str  # base64 of the 32 raw bytes
    created_at: str
    retired_at: str | None = None

    def verifier(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(self.public_key))


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    """Write the key to a temporary file made 0600 before any byte is in it, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def public_keys(path: Path | None = None) -> list[PublicKey]:
    """The key ring: every public key, oldest first (empty if none was made yet)."""
    ring = path or get_settings().public_keys
    if not ring.exists():
        return []
    try:
        rows = json.loads(ring.read_text(encoding="utf-8"))
        return [PublicKey(**row) for row in rows]
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(f"Nøglefilen {ring} kan ikke læses: {exc}.") from None


def _save_ring(keys: list[PublicKey]) -> None:
    ring = get_settings().public_keys
    tmp = ring.with_name(f".{ring.name}.tmp")
    tmp.write_text(json.dumps([k.__dict__ for k in keys], indent=2) + "\n", encoding="utf-8")
    tmp.replace(ring)


def _add(key: Ed25519PrivateKey, now: datetime) -> PublicKey:
    settings = get_settings()
    public = PublicKey(key_id(key.public_key()),
                       base64.b64encode(_raw(key.public_key())).decode(), now.isoformat())
    ring = [k if k.retired_at else PublicKey(k.key_id, k.public_key, k.created_at,
                                             now.isoformat())
            for k in public_keys()]
    _write_private(settings.signing_key, key)
    _save_ring([*ring, public])
    return public


def ensure_key_pair(now: datetime) -> PublicKey | None:
    """Make the key pair if there is none (at `init`); returns the new public key, or None."""
    settings = get_settings()
    if settings.signing_key.exists():
        return None
    return _add(Ed25519PrivateKey.generate(), now)


def rotate(ctx: ServiceContext) -> PublicKey:
    """A new key pair; the old public key stays in the ring, marked retired. The rotation is
    an audit event naming both keys (public key ids only, never key material)."""
    ctx.authorize("audit.verify")
    old = [k.key_id for k in public_keys() if not k.retired_at]
    with UnitOfWork(ctx) as uow:
        new = _add(Ed25519PrivateKey.generate(), uow.now)
        uow.record(entity="audit_key", entity_id=None, trigger="roter_noegle",
                   from_state=old[-1] if old else None, to_state=new.key_id,
                   comment="Ny nøgle til signerede kontrolpunkter; den tidligere offentlige "
                           "nøgle er gemt til gamle kontrolpunkter")
        uow.commit()
    return new


def current_public_key() -> PublicKey:
    ring = [k for k in public_keys() if not k.retired_at]
    if not ring or not get_settings().signing_key.exists():
        raise ValidationFailed("Der er intet nøglepar til kontrolpunkter endnu: kør "
                               "'aftaleflow init' (eller 'aftaleflow audit key --rotate').")
    return ring[-1]


def signing_key() -> Ed25519PrivateKey:
    path = get_settings().signing_key
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ValidationFailed(f"Den private nøgle {path} findes ikke: kør 'aftaleflow init' "
                               "(eller 'aftaleflow audit key --rotate').") from None
    except ValueError as exc:
        raise ValidationFailed(f"Den private nøgle {path} kan ikke læses: {exc}.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationFailed(f"{path} er ikke en Ed25519-nøgle.")
    return key
