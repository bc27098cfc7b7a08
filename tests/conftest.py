"""Shared fixtures: a master-data database made once, copied per test; an injected clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aftaleflow.db import make_engine
from aftaleflow.services.masterdata import load_master_data
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "aftaleflow.db"
    engine = make_engine(f"sqlite:///{path}")
    load_master_data(ServiceContext(engine=engine, actor="test", clock=MovableClock()))
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "aftaleflow.db"
    shutil.copyfile(template_db, path)
    return path


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{db_path}")
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def ctx(engine: Engine, clock: MovableClock) -> ServiceContext:
    return ServiceContext(engine=engine, actor="tester", clock=clock)


def dump(engine: Engine) -> list[str]:
    """Every row of every table, to prove that a refused action wrote nothing."""
    raw = engine.raw_connection()
    try:
        return list(raw.driver_connection.iterdump())  # type: ignore[union-attr]
    finally:
        raw.close()
