"""An app on a fresh database with demo-like data and one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient

from aftaleflow.api.app import create_app
from aftaleflow.db import make_engine
from aftaleflow.domain.access import Role
from aftaleflow.services.access.users import create_user
from aftaleflow.services.documents.case_documents import render_agenda_item
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.structure.bodies import NewBody, add_body
from tests.conftest import Databases, freeze
from tests.factories import TRIAL_GOEDSTRUP, MovableClock, agreement_in_state, new_agreement
from tests.services.test_meetings import MEETING_AT


@dataclass
class World:
    midt: int  # regional agreement in Midtjylland, i godkendelse (Herning, Holstebro ...)
    syd: int  # local agreement in Lillebælt, godkendt (implementations open)
    meeting: int
    item: int
    document: int
    tokens: dict[str, str]


def _seed(ctx) -> World:
    from aftaleflow.services.agreements.cases import advance_agreement

    midt = new_agreement(ctx, TRIAL_GOEDSTRUP)
    for trigger in ("forelaeg_ssu", "paabegynd_udarbejdelse", "send_til_ssu",
                    "indstil_til_godkendelse"):
        midt = advance_agreement(ctx, midt.id, trigger)
    syd = agreement_in_state(ctx, "godkendt")
    meeting = create_meeting(ctx, "kb-657", MEETING_AT, "Byrådssalen, Herning")
    add_body(ctx, NewBody(key="sos-657", name="Social- og Sundhedsudvalget", short_name="SOS",
                          kind="fagudvalg", valid_from=date(2018, 1, 1), municipality="657"))
    item = add_item(ctx, meeting.id, NewItem(title="Orientering om sundhedsklynger"))
    document = render_agenda_item(ctx, item.id)
    tokens = {}
    for role in Role:
        body = "kb-657" if role == Role.PARTY else None
        # tokens outlive tests that move the clock to 2027 (the default lifetime is 90 days)
        _user, token = create_user(ctx, f"Test {role.value}", role.value, body, days=3650)
        tokens[role.value] = token
    return World(midt=midt.id, syd=syd.id, meeting=meeting.id, item=item.id,
                 document=document.id, tokens=tokens)


@pytest.fixture(scope="session")
def seeded(databases: Databases, template_db: str) -> World:
    """Seed once per session; every test gets its own copy made from it."""
    world = freeze(databases, "seeded", _seed, template=template_db)
    assert isinstance(world, World)
    return world


@pytest.fixture
def db_template(seeded: World) -> str:
    return "seeded"


@pytest.fixture
def world(seeded: World) -> World:
    return seeded


@pytest.fixture(scope="session")
def shared_client(databases: Databases, seeded: World) -> Iterator[TestClient]:
    """One app on one copy of the seeded data, for requests that must not write anything."""
    engine = make_engine(databases.create("seeded_shared", template="seeded"))
    yield TestClient(create_app(engine, MovableClock()), raise_server_exceptions=False)
    engine.dispose()


@pytest.fixture
def app(engine, clock):
    return create_app(engine, clock)


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
