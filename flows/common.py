"""What every flow shares: Prefect's settings for local runs and the service context."""

from __future__ import annotations

import os
from datetime import date

from aftaleflow.services.uow import ServiceContext

PREFECT_DEFAULTS = {
    # An ephemeral API server takes 17-20 s to start here; Prefect's default timeout is 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_API_HOST": "127.0.0.1",
}


def configure_prefect() -> None:
    """Set Prefect defaults that suit this deployment, unless the user set them."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def context(flow_name: str) -> ServiceContext:
    return ServiceContext(actor=f"flow:{flow_name}")


def parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
