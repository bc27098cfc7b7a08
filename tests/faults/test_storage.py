"""A read-only database file and a full disk: a clear Danish error, exit code 7, nothing written.

Tests run as root, where chmod 0444 does not stop writes, so the read-only case opens the file
through SQLite's URI `mode=ro`; the full disk is SQLite's `max_page_count` capped at the
current size on every connection of the engine the CLI uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import Engine, event
from typer.testing import CliRunner

from aftaleflow import db
from aftaleflow.cli.app import app
from aftaleflow.services.uow import ServiceContext
from tests.conftest import BACKEND, dump
from tests.factories import new_agreement

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite file conditions")

CREATE = ["agreement", "create", "--title", "Ny aftale", "--region", "syddanmark",
          "--kle", "29.30.08-P27-1-26", "--case-handler", "Ane Holm",
          "--description", "Lang beskrivelse. " * 4000]


def cli(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=url, AFTALEFLOW_ACTOR="fault-test")
    return subprocess.run([sys.executable, "-m", "aftaleflow", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [["agreement", "advance", "{id}", "send_til_ssu"], CREATE])
def test_read_only_database_gives_danish_error_and_writes_nothing(
        ctx: ServiceContext, engine: Engine, db_url: str, args: list[str]) -> None:
    agreement = new_agreement(ctx)
    engine.dispose()
    before = dump(engine)
    path = db_url.removeprefix("sqlite:///")
    result = cli([a.format(id=agreement.id) for a in args],
                 f"sqlite:///file:{path}?mode=ro&uri=true")
    assert result.returncode == 7, result.stderr
    assert "Databasen er skrivebeskyttet; intet er gemt." in result.stderr
    assert "Traceback" not in result.stderr
    assert dump(engine) == before


def _cap_size(engine: Engine) -> None:
    """Every new connection may not grow the file beyond its present size: a full disk."""

    @event.listens_for(engine, "connect")
    def _full(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()


@pytest.mark.parametrize("args", [CREATE, ["agreement", "advance", "{id}", "send_til_ssu"]])
def test_full_disk_gives_danish_error_and_writes_nothing(
        ctx: ServiceContext, engine: Engine, db_url: str, args: list[str]) -> None:
    agreement = new_agreement(ctx)
    for _ in range(30):  # fill the free pages left in the file, so any growth is refused
        new_agreement(ctx)
    engine.dispose()
    before = dump(engine)
    full = db.get_engine(db_url)  # the engine the CLI's context() will use, in this process
    _cap_size(full)
    try:
        os.environ["AFTALEFLOW_DATABASE_URL"] = db_url
        result = CliRunner().invoke(app, [a.format(id=agreement.id) for a in args])
    finally:
        os.environ.pop("AFTALEFLOW_DATABASE_URL", None)
        full.dispose()
        db._cached_engine.cache_clear()
    if args != CREATE and result.exit_code == 0:
        pytest.skip("the transition fitted into free space in existing pages")
    assert result.exit_code == 7, result.output
    assert "Disken er fuld; intet er gemt." in result.output
    assert dump(engine) == before
