"""GET /search for a part: its own agenda items and the common texts, never another
council's item."""

from __future__ import annotations

from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.uow import ServiceContext
from tests.api.conftest import auth
from tests.services.test_meetings import MEETING_AT


def _put_on_agendas(engine, clock, agreement_id: int) -> dict[str, int]:
    """Herning and Holstebro each put the Midtjylland agreement on their agenda."""
    ctx = ServiceContext(engine=engine, actor="test", clock=clock)
    items = {}
    for key, town in (("kb-657", "Herning"), ("kb-661", "Holstebro")):
        meeting = create_meeting(ctx, key, MEETING_AT, f"Byrådssalen, {town}")
        items[town] = add_item(ctx, meeting.id, NewItem(
            agreement_id=agreement_id, summary=f"Akutpladser i {town} drøftes.")).id
    return items


def _items(client, token: str, query: str) -> set[int]:
    response = client.get("/search", params={"q": query}, headers=auth(token))
    assert response.status_code == 200, response.text
    return {h["ref_id"] for h in response.json() if h["kind"] == "agenda_item"}


def test_a_part_searching_the_api_never_sees_another_councils_agenda_item(
        client, world, engine, clock) -> None:
    items = _put_on_agendas(engine, clock, world.midt)
    assert _items(client, world.tokens["part"], "akutpladser") == {items["Herning"]}
    assert items["Holstebro"] not in _items(client, world.tokens["part"], "Holstebro")
    assert _items(client, world.tokens["leder"], "akutpladser") == set(items.values())


def test_a_part_still_finds_the_agreement_it_is_party_to(client, world) -> None:
    response = client.get("/search", params={"q": "udgående teams"},
                          headers=auth(world.tokens["part"]))
    assert [h["agreement_id"] for h in response.json() if h["kind"] == "agreement"] == [
        world.midt]
