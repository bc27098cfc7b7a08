"""Settings read from the environment, in one place, so every adapter agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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
    outbox_reclaim_minutes: int = 10
    public_case_handler: bool = False
    """Show each agreement's case handler on the public pages (off: never a name)."""

    def today(self) -> date:
        return self.today_override or datetime.now(TIMEZONE).date()


def get_settings() -> Settings:
    """Read settings now (not at import), so tests can change the environment."""
    state_dir = Path(os.environ.get("AFTALEFLOW_STATE_DIR", STATE_DIR))
    url = os.environ.get("AFTALEFLOW_DATABASE_URL") or f"sqlite:///{state_dir / 'aftaleflow.db'}"
    raw_today = os.environ.get("AFTALEFLOW_TODAY")
    domain = os.environ.get("AFTALEFLOW_MAIL_DOMAIN", "aftaleflow.test")
    return Settings(
        database_url=url,
        state_dir=state_dir,
        today_override=date.fromisoformat(raw_today) if raw_today else None,
        base_url=os.environ.get("AFTALEFLOW_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        mail_domain=domain,
        manager_email=os.environ.get("AFTALEFLOW_MANAGER_EMAIL", f"leder@{domain}"),
        token_days=_positive("AFTALEFLOW_TOKEN_DAYS", 90),
        outbox_reclaim_minutes=_positive("AFTALEFLOW_OUTBOX_RECLAIM_MINUTES", 10),
        public_case_handler=os.environ.get("AFTALEFLOW_PUBLIC_CASE_HANDLER", "").lower()
        in ("1", "true", "ja"),
    )


def _positive(name: str, default: int) -> int:
    """A whole number of days or minutes; a wrong value falls back to the default."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else default


def local_time(value: datetime) -> datetime:
    """A stored moment as Danish wall-clock time (the database keeps UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(TIMEZONE)
