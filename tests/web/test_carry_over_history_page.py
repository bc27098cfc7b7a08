"""The dashboard after the Sjælland merge: what each cluster reached, and the way forward
(issue 20, rules 4 and 9)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from aftaleflow.api.app import create_app
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock
from tests.services.test_carry_over_history import sjaelland_merge
from tests.web.conftest import log_in


def test_agreement_page_shows_what_each_merged_cluster_reached(demo_engine,
                                                               demo_world) -> None:
    clock = MovableClock()
    view = sjaelland_merge(ServiceContext(engine=demo_engine, actor="test", clock=clock), clock)
    web = log_in(TestClient(create_app(demo_engine, clock)), demo_world.tokens["sagsbehandler"])
    page = web.get(f"/ui/aftaler/{view.id}").text
    impl = page.split('id="h-impl"')[1].split("</section>")[0]
    assert "0 af 2 klynger har implementeret" in impl
    oest = impl.split("Sundhedsråd Østsjælland og Øerne")[1].split("</tr>")[0]
    assert "<li>Sundhedsklynge SUH (Køge/Roskilde): implementeret 10.12.2026</li>" in oest
    assert "<li>Sundhedsklynge Nykøbing F: ikke startet</li>" in oest
    assert "I gang" in oest
    # The ended clusters keep their history but offer no action.
    assert "/klynger/sundhedsklynge-suh-koege-roskilde/" not in impl
    assert "/klynger/sundhedsraad-oestsjaelland-og-oeerne/" in impl
    timeline = page.split('id="h-timeline"')[1]
    assert "Sammenlægning i Sundhedsråd Østsjælland og Øerne pr. 2027-01-01" in timeline


def test_an_old_request_link_of_a_carried_over_body_names_its_successor(demo_engine,
                                                                       demo_world) -> None:
    from datetime import date

    from aftaleflow.services.agreements.cases import advance_agreement
    from aftaleflow.services.structure.carryover import carry_over
    from tests.factories import new_agreement
    from tests.services.test_carry_over_history import SJAELLAND_REGIONAL

    clock = MovableClock()
    clock.set(date(2026, 12, 15))
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=clock)
    case = new_agreement(ctx, SJAELLAND_REGIONAL)
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        case = advance_agreement(ctx, case.id, trigger)
    clock.set(date(2027, 1, 12))
    carry_over(ctx, date(2027, 1, 1))
    web = log_in(TestClient(create_app(demo_engine, clock), raise_server_exceptions=False),
                 demo_world.tokens["sagsbehandler"])
    page = web.get(f"/ui/aftaler/{case.id}/parter/rr-sjaelland")
    assert page.status_code == 422
    assert ("Godkendelsen i runde 1 er overført til Regionsrådet, Region Østdanmark; "
            "registrér beslutningen for Regionsrådet, Region Østdanmark.") in page.text
    assert "carry-over" not in page.text
