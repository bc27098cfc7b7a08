"""Trust tests use the API's seeded world and the dashboard's demo world."""

from tests.api.conftest import (  # noqa: F401
    app,
    client,
    db_template,
    seeded,
    shared_client,
    world,
)
from tests.web.conftest import demo_engine, demo_world, web, web_app  # noqa: F401
