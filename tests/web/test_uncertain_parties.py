"""The dashboard marks parties asked on unconfirmed or disputed master data, with the source."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock, Spec, new_agreement
from tests.web.conftest import DemoWorld, log_in


def test_agreement_page_and_matrix_mark_the_disputed_council(web, demo_engine,
                                                              demo_world: DemoWorld) -> None:
    clock = MovableClock()
    clock.set(date(2027, 2, 1))
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=clock)
    view = new_agreement(ctx, Spec(cluster="sundhedsraad-lillebaelt", title="Faldforebyggelse"))
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        advance_agreement(ctx, view.id, trigger)
    log_in(web, demo_world.tokens["leder"])
    page = web.get(f"/ui/aftaler/{view.id}").text
    row = page[page.index("Kommunalbestyrelsen, Middelfart Kommune"):]
    row = row[:row.index("</tr>")]
    assert ('<span class="sub uncertain"><strong>omstridt</strong>: medlemskab: det offentlige '
            'datasæts') in row
    assert "foreløbig</strong>: godkendelsesreglen er ikke bekræftet" in page
    matrix = web.get("/ui/matrix?region=syddanmark").text
    assert '<span class="uncertain" title="medlemskab: det offentlige datasæts' in matrix
    assert '<span class="sep"> · </span>omstridt<span class="source">: medlemskab: ' in matrix
    midt = web.get(f"/ui/aftaler/{demo_world.midt_open}").text  # 2026: confirmed data
    assert "uncertain" not in midt
    csv_text = web.get("/ui/matrix.csv?region=syddanmark").text
    assert " · omstridt: medlemskab: det offentlige datasæts" in csv_text
