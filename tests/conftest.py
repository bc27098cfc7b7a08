"""Shared fixtures: a master-data database made once, copied per test; an injected clock.

The backend is SQLite by default. With AFTALEFLOW_TEST_DATABASE=postgresql (and
AFTALEFLOW_TEST_PG_URL pointing at a server, see .ci/start-postgres) every test gets its own
PostgreSQL database, created from a template database holding the master data.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from aftaleflow.db import make_engine
from aftaleflow.services.structure.masterdata import load_master_data
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock

# Documents, mail files and the default database of a test run never land in the repo's state/.
os.environ["AFTALEFLOW_STATE_DIR"] = tempfile.mkdtemp(prefix="aftaleflow-test-state-")
os.environ.pop("AFTALEFLOW_DATABASE_URL", None)
os.environ.pop("AFTALEFLOW_SMTP_HOST", None)

BACKEND = os.environ.get("AFTALEFLOW_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("AFTALEFLOW_TEST_PG_URL", "")
_counter = itertools.count()


def pytest_report_header() -> str:
    return f"aftaleflow test database: {BACKEND}"


class Databases:
    """Makes databases from templates, on the chosen backend."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = f"af{os.getpid()}"
        if BACKEND == "postgresql" and not PG_URL:
            raise RuntimeError("AFTALEFLOW_TEST_PG_URL is not set (see .ci/start-postgres)")

    def url(self, name: str) -> str:
        if BACKEND == "postgresql":
            return make_url(PG_URL).set(database=f"{self.prefix}_{name}").render_as_string(
                hide_password=False)
        return f"sqlite:///{self.root / name}.db"

    def create(self, name: str, template: str | None = None) -> str:
        if BACKEND == "postgresql":
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.prefix}_{name}"'))
                source = f' TEMPLATE "{self.prefix}_{template}"' if template else ""
                conn.execute(text(f'CREATE DATABASE "{self.prefix}_{name}"{source}'))
            admin.dispose()
        elif template:  # the backup API also carries pages still in the source's WAL
            source = sqlite3.connect(self.root / f"{template}.db")
            target = sqlite3.connect(self.root / f"{name}.db")
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        return self.url(name)

    def drop(self, name: str) -> None:
        if BACKEND == "postgresql":
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.prefix}_{name}" '
                                  "WITH (FORCE)"))
            admin.dispose()
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.root / name}.db{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    yield dbs


def freeze(dbs: Databases, name: str, fill: Callable[[ServiceContext], object] | None = None,
           template: str | None = None) -> object:
    """Create database `name` (optionally from a template), fill it, and close it."""
    url = dbs.create(name, template)
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, actor="test", clock=MovableClock())
    result = (fill or load_master_data)(ctx)
    engine.dispose()  # on SQLite this checkpoints the WAL into the file
    return result


@pytest.fixture(scope="session")
def template_db(databases: Databases) -> str:
    freeze(databases, "template")
    return "template"


@pytest.fixture
def db_template(template_db: str) -> str:
    """Which template a test's database is copied from (API tests override it)."""
    return template_db


@pytest.fixture
def db_url(databases: Databases, db_template: str) -> Iterator[str]:
    name = f"t{next(_counter)}"
    url = databases.create(name, db_template)
    yield url
    databases.drop(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def ctx(engine: Engine, clock: MovableClock) -> ServiceContext:
    return ServiceContext(engine=engine, actor="tester", clock=clock)


_reflected: dict[tuple[str, tuple[str, ...]], MetaData] = {}
# Written by every authenticated request (at most once a minute), not by the action itself.
BOOKKEEPING = {("app_user", "token_last_used_at")}


def _tables(engine: Engine) -> MetaData:
    """The reflected schema, once per backend and set of tables (every test database is made
    by the same migrations; reflecting each time cost 30-100 ms per dump)."""
    key = (engine.dialect.name, tuple(sorted(inspect(engine).get_table_names())))
    if key not in _reflected:
        meta = MetaData()
        meta.reflect(engine)
        _reflected[key] = meta
    return _reflected[key]


def dump(engine: Engine) -> list[tuple[str, tuple[object, ...]]]:
    """Every row of every table (less last-use bookkeeping), to prove that a refused action
    wrote nothing."""
    meta = _tables(engine)
    rows: list[tuple[str, tuple[object, ...]]] = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING]
            for row in conn.execute(select(*columns).order_by(*order)):
                rows.append((table.name, tuple(row)))
    return rows


# --- the browser --------------------------------------------------------------------------
# One Playwright per test process: a second sync_playwright() started while this one is open
# fails ("Sync API inside the asyncio loop"), so every browser test, in any folder, uses this.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
