"""The clerk's Op/Ned buttons move an item one place and keep the numbers the clerk set."""

from __future__ import annotations

import re

from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.uow import ServiceContext
from tests.web.conftest import NEXT_MEETING, csrf_of, log_in, web_clock


def _numbers(page: str) -> list[tuple[str, str]]:
    rows = re.findall(r'<tr id="punkt-\d+">\s*<td>(\d+)</td>\s*<th scope="row">([^<]+)', page)
    return [(number, title) for number, title in rows]


def test_moving_item_18_up_keeps_its_number_and_the_other_follows(web, demo_world,
                                                                  demo_engine) -> None:
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=web_clock())
    meeting = create_meeting(ctx, "kb-657", NEXT_MEETING, "Byrådssalen")
    add_item(ctx, meeting.id, NewItem(title="Meddelelser"))
    item = add_item(ctx, meeting.id, NewItem(title="Samarbejdsaftalen", number=18))
    log_in(web, demo_world.tokens["udvalgssekretaer"])
    url = f"/ui/moeder/{meeting.id}"
    page = web.get(url).text
    assert _numbers(page) == [("1", "Meddelelser"), ("18", "Samarbejdsaftalen")]
    form = re.search(rf'action="{url}/punkter/{item.id}/flyt".*?name="position" '
                     r'value="(\d+)"', page, re.S)
    assert form and form.group(1) == "1"  # "Op" asks for the place above, not number 17
    moved = web.post(f"{url}/punkter/{item.id}/flyt",
                     data={"csrf": csrf_of(web, url), "position": form.group(1)})
    assert "Punktet er nu punkt 18." in moved.text
    assert _numbers(moved.text) == [("18", "Samarbejdsaftalen"), ("19", "Meddelelser")]
