"""Trust tests run on worlds of their own, seeded like the API's and the dashboard's.

The seed functions are shared; the databases have names of their own, so that these session
fixtures never overwrite (SQLite) or drop (PostgreSQL) the databases the API and dashboard
tests' fixtures made in the same worker, and the tokens in each world stay valid.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aftaleflow.api.app import create_app
from aftaleflow.db import make_engine
from tests.api.conftest import World, _seed, app, client  # noqa: F401
from tests.conftest import Databases, freeze
from tests.factories import MovableClock
from tests.web import conftest as web_conftest
from tests.web.conftest import DemoWorld, web, web_app  # noqa: F401

SEEDED = "seeded_security"
DEMO = "webdemo_security"


@pytest.fixture(scope="session")
def seeded(databases: Databases, template_db: str) -> World:
    world = freeze(databases, SEEDED, _seed, template=template_db)
    assert isinstance(world, World)
    return world


@pytest.fixture
def db_template(seeded: World) -> str:
    return SEEDED


@pytest.fixture
def world(seeded: World) -> World:
    return seeded


@pytest.fixture(scope="session")
def shared_client(databases: Databases, seeded: World) -> Iterator[TestClient]:
    """One app on one copy of the seeded data, for requests that must not write anything."""
    engine = make_engine(databases.create(f"{SEEDED}_shared", template=SEEDED))
    yield TestClient(create_app(engine, MovableClock()), raise_server_exceptions=False)
    engine.dispose()


@pytest.fixture(scope="session")
def demo_world(databases: Databases) -> DemoWorld:
    return web_conftest._seed(databases.create(DEMO))


@pytest.fixture
def demo_engine(databases: Databases, demo_world: DemoWorld) -> Iterator[object]:
    name = f"{DEMO}_{next(web_conftest._names)}"
    engine = make_engine(databases.create(name, DEMO))
    yield engine
    engine.dispose()
    databases.drop(name)
