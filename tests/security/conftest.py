"""Trust tests use the API's seeded world and the dashboard's demo world.

The fixtures are imported (pytest instantiates them once more for this directory); the
read-only client gets a database name of its own, so the API tests' `shared_client`, which
may still be open, is never dropped underneath them.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aftaleflow.api.app import create_app
from aftaleflow.db import make_engine
from tests.api.conftest import (  # noqa: F401
    World,
    app,
    client,
    db_template,
    seeded,
    world,
)
from tests.conftest import Databases
from tests.factories import MovableClock
from tests.web.conftest import demo_engine, demo_world, web, web_app  # noqa: F401


@pytest.fixture(scope="session")
def shared_client(databases: Databases, seeded: World) -> Iterator[TestClient]:  # noqa: F811
    """One app on one copy of the seeded data, for requests that must not write anything."""
    engine = make_engine(databases.create("seeded_security", template="seeded"))
    yield TestClient(create_app(engine, MovableClock()), raise_server_exceptions=False)
    engine.dispose()
