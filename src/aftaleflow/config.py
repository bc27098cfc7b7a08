"""Settings read from the environment, in one place, so every adapter agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aftaleflow.domain.errors import ValidationFailed

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATE_DIR = PROJECT_ROOT / "state"
TEMPLATES_DIR = PROJECT_ROOT / "templates" / "letters"
TIMEZONE = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class Settings:
    database_url: str
    state_dir: Path
    today_override: date | None
    base_url: str = "http://127.0.0.1:8000"
    mail_domain: str = "aftaleflow.test"
    manager_email: str = "leder@aftaleflow.test"
    token_days: int = 90
    outbox_reclaim_setting: str = ""  # AFTALEFLOW_OUTBOX_RECLAIM_MINUTES as written
    outbox_batch_setting: str = ""  # AFTALEFLOW_OUTBOX_BATCH_SIZE as written
    signing_key: Path = STATE_DIR / "keys" / "audit-signing-key.pem"  # Ed25519, mode 0600
    checkpoint_dir: Path = STATE_DIR / "checkpoints"  # signed checkpoints of the audit chain
    backup_dir: Path = STATE_DIR / "backups"  # where the nightly backup writes
    backup_keep_daily: int = 7
    backup_keep_weekly: int = 4
    answer_link_days: int | None = None  # days after the deadline; None: until the round ends
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_claim_mapping: Path | None = None

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def public_keys(self) -> Path:
        """Every public key ever used for checkpoints (rotation keeps the old ones)."""
        return self.signing_key.with_name(self.signing_key.stem + ".public-keys.json")
    public_case_handler: bool = False
    """Show each agreement's case handler on the public pages (off: never a name)."""

    def today(self) -> date:
        return self.today_override or datetime.now(TIMEZONE).date()

    @property
    def outbox_reclaim_minutes(self) -> int:
        """Minutes a message may stay in `sending` before a later run marks it uncertain."""
        return _whole_number("AFTALEFLOW_OUTBOX_RECLAIM_MINUTES", self.outbox_reclaim_setting,
                             OUTBOX_RECLAIM_MINUTES, "minutter", why_not_zero=(
                                 "med 0 ville en kørsel markere en besked, som en anden kørsel "
                                 "er ved at sende, som usikker"))

    @property
    def outbox_batch_size(self) -> int:
        """At most this many messages per delivery run; the rest waits for the next run."""
        return _whole_number("AFTALEFLOW_OUTBOX_BATCH_SIZE", self.outbox_batch_setting,
                             OUTBOX_BATCH_SIZE, "beskeder", why_not_zero=(
                                 "med 0 ville ingen besked blive sendt"))


OUTBOX_RECLAIM_MINUTES = 10
OUTBOX_BATCH_SIZE = 1000


def today_override() -> date | None:
    """AFTALEFLOW_TODAY as a date (the clock reads it on every call: no whole Settings)."""
    raw = os.environ.get("AFTALEFLOW_TODAY")
    return date.fromisoformat(raw) if raw else None


def get_settings() -> Settings:
    """Read settings now (not at import), so tests can change the environment."""
    state_dir = Path(os.environ.get("AFTALEFLOW_STATE_DIR", STATE_DIR))
    url = os.environ.get("AFTALEFLOW_DATABASE_URL") or f"sqlite:///{state_dir / 'aftaleflow.db'}"
    domain = os.environ.get("AFTALEFLOW_MAIL_DOMAIN", "aftaleflow.test")
    return Settings(
        database_url=url,
        state_dir=state_dir,
        today_override=today_override(),
        base_url=os.environ.get("AFTALEFLOW_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        mail_domain=domain,
        manager_email=os.environ.get("AFTALEFLOW_MANAGER_EMAIL", f"leder@{domain}"),
        token_days=_positive("AFTALEFLOW_TOKEN_DAYS", 90),
        outbox_reclaim_setting=os.environ.get("AFTALEFLOW_OUTBOX_RECLAIM_MINUTES", ""),
        outbox_batch_setting=os.environ.get("AFTALEFLOW_OUTBOX_BATCH_SIZE", ""),
        signing_key=Path(os.environ.get("AFTALEFLOW_SIGNING_KEY")
                         or state_dir / "keys" / "audit-signing-key.pem"),
        checkpoint_dir=Path(os.environ.get("AFTALEFLOW_CHECKPOINT_DIR")
                            or state_dir / "checkpoints"),
        backup_dir=Path(os.environ.get("AFTALEFLOW_BACKUP_DIR") or state_dir / "backups"),
        backup_keep_daily=_positive("AFTALEFLOW_BACKUP_KEEP_DAILY", 7),
        backup_keep_weekly=_positive("AFTALEFLOW_BACKUP_KEEP_WEEKLY", 4),
        answer_link_days=_positive("AFTALEFLOW_ANSWER_LINK_DAYS", 0) or None,
        oidc_issuer=os.environ.get("AFTALEFLOW_OIDC_ISSUER", "").strip().rstrip("/") or None,
        oidc_client_id=os.environ.get("AFTALEFLOW_OIDC_CLIENT_ID", "").strip(),
        oidc_client_secret=os.environ.get("AFTALEFLOW_OIDC_CLIENT_SECRET", ""),
        oidc_scopes=os.environ.get("AFTALEFLOW_OIDC_SCOPES", "").strip()
        or "openid profile email",
        oidc_claim_mapping=Path(mapping) if (mapping := os.environ.get(
            "AFTALEFLOW_OIDC_CLAIM_MAPPING", "").strip()) else None,
        public_case_handler=os.environ.get("AFTALEFLOW_PUBLIC_CASE_HANDLER", "").lower()
        in ("1", "true", "ja"),
    )


def _positive(name: str, default: int) -> int:
    """A whole number of days or minutes; a wrong value falls back to the default."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else default


def _whole_number(name: str, raw: str, default: int, unit: str, why_not_zero: str) -> int:
    """A setting that must be a whole number from 1: unset means the default; anything else
    that is not such a number is refused with a message, never replaced by the default."""
    text = raw.strip()
    if not text:
        return default
    if text.isdigit() and 0 < int(text) < 100_000:
        return int(text)
    reason = f" ({why_not_zero})" if text.isdigit() and int(text) == 0 else ""
    raise ValidationFailed(
        f"{name}={text[:20]} kan ikke bruges{reason}: angiv et helt antal {unit} fra 1 til "
        f"99999, eller fjern indstillingen for standardværdien {default}.")


def local_time(value: datetime) -> datetime:
    """A stored moment as Danish wall-clock time (the database keeps UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(TIMEZONE)
