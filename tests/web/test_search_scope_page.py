"""The dashboard's search box for a part: its own council's items and the common texts, never
another council's agenda item about the same agreement."""

from __future__ import annotations

from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.uow import ServiceContext
from tests.web.conftest import NEXT_MEETING, log_in, web_clock


def test_a_part_searching_the_dashboard_sees_no_other_councils_item(
        web, demo_world, demo_engine) -> None:
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=web_clock())
    holstebro = create_meeting(ctx, "kb-661", NEXT_MEETING, "Byrådssalen, Holstebro")
    add_item(ctx, holstebro.id, NewItem(agreement_id=demo_world.midt_open,
                                        summary="Holstebros fortrolige akutpladsplan."))
    log_in(web, demo_world.tokens["leder"])
    assert "Holstebros fortrolige akutpladsplan" in web.get(
        "/ui/soeg", params={"q": "akutpladsplan"}).text
    log_in(web, demo_world.tokens["part"])  # Herning, a party to the same agreement
    page = web.get("/ui/soeg", params={"q": "akutpladsplan"}).text
    assert "0 resultater i fritekst" in page and "Holstebros" not in page
    own = web.get("/ui/soeg", params={"q": "dagsordenen godkendes"}).text  # Herning's item
    assert "Godkendelse af dagsorden" in own
