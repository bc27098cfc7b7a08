"""Prefect for flow tests: one temporary API server per session (about 25 s to start)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def flow_env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path) -> str:
    """Flows build their own service context from the environment, as in production."""
    monkeypatch.setenv("AFTALEFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("AFTALEFLOW_STATE_DIR", str(tmp_path))
    return db_url
