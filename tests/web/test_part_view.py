"""What a part sees (issue 20, rule 1; README "REST API and roles"): for an agreement that
concerns its body, every party's decision in the round (state, meeting date, decision date,
protocol reference), never another party's comment, draft, letter or agenda item; the same in
the API, `GET /status`, the exports and the dashboard (one app serves both here).

The CLI acts as the local administrator and has no part login, so it shows no part's view.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from openpyxl import load_workbook
from sqlmodel import Session, select

from aftaleflow.domain.meetings import StoredDocument
from aftaleflow.domain.model import Body
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.uow import ServiceContext
from tests.api.conftest import auth
from tests.web.conftest import DemoWorld, log_in, web_clock

SECRET = "Holstebros forbehold: økonomiudvalget er uenigt"
OWN = "Hernings egen bemærkning til sagen"
PROTOCOL = "Byrådet Holstebro 20.10.2026, pkt. 7"
HOLSTEBRO = "Kommunalbestyrelsen, Holstebro Kommune"
HERNING = "Kommunalbestyrelsen, Herning Kommune"


def _decide(engine: object, agreement: int) -> None:
    ctx = ServiceContext(engine=engine, actor="t", clock=web_clock())  # type: ignore[arg-type]
    record_decision(ctx, agreement, Decision(
        party="Holstebro", decision="godkendt", meeting_date=date(2026, 10, 20),
        protocol_ref=PROTOCOL, comment=SECRET))
    record_decision(ctx, agreement, Decision(
        party="Herning", decision="udsat", meeting_date=date(2026, 10, 21),
        comment=OWN))


def _approvals(agreement: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {p["body"]: p for p in agreement["approvals"]}


def test_part_sees_every_partys_decision_and_only_its_own_comment(
        web, demo_engine, demo_world: DemoWorld) -> None:
    _decide(demo_engine, demo_world.midt_open)
    part, manager = auth(demo_world.tokens["part"]), auth(demo_world.tokens["leder"])
    url = f"/agreements/{demo_world.midt_open}"

    # the manager reads the comment: the rule is about who reads, not what is stored
    assert _approvals(web.get(url, headers=manager).json())[HOLSTEBRO]["comment"] == SECRET

    shown = _approvals(web.get(url, headers=part).json())
    holstebro, herning = shown[HOLSTEBRO], shown[HERNING]
    assert (holstebro["state"], holstebro["meeting_date"], holstebro["decided_on"],
            holstebro["protocol_ref"]) == ("godkendt", "2026-10-20", "2026-10-20", PROTOCOL)
    assert holstebro["comment"] is None and herning["comment"] == OWN
    assert len(shown) == 20  # every party of the round, not Herning's column alone

    listed = web.get("/agreements?region=midtjylland", headers=part).json()["items"]
    status = web.get("/status", headers=part).json()["agreements"]
    for agreements in (listed, status):
        same = next(a for a in agreements if a["id"] == demo_world.midt_open)
        assert _approvals(same) == shown

    for what in ("matrix", "agreements"):
        exported = web.get(f"/exports/{what}?format=json", headers=part).text
        assert PROTOCOL in exported and OWN in exported and SECRET not in exported
        data = json.loads(exported)["agreements"]
        assert _approvals(next(a for a in data if a["id"] == demo_world.midt_open)) == shown

    history = web.get(f"{url}/history", headers=part).json()
    comments = [e["comment"] or "" for e in history]
    assert not any(SECRET in c for c in comments) and any(OWN in c for c in comments)
    assert HOLSTEBRO in comments  # Holstebro's decision is in the timeline, by name only

    csv_text = web.get("/exports/matrix?format=csv", headers=part).content.decode("utf-8-sig")
    assert SECRET not in csv_text and OWN not in csv_text
    rows = list(csv.reader(io.StringIO(csv_text), delimiter=";"))
    row = next(r for r in rows if r[0] == str(demo_world.midt_open))
    assert row[rows[0].index(HOLSTEBRO)].startswith("Godkendt 20.10.2026")
    book = load_workbook(io.BytesIO(web.get("/exports/matrix?format=xlsx", headers=part).content))
    cells = [str(c) for r in book.active.iter_rows(values_only=True) for c in r]  # type: ignore[union-attr]
    assert SECRET not in " ".join(cells) and any(c.startswith("Godkendt 20.10.2026") for c in cells)


def test_dashboard_shows_a_part_the_same_as_the_api(web, demo_engine,
                                                   demo_world: DemoWorld) -> None:
    _decide(demo_engine, demo_world.midt_open)
    log_in(web, demo_world.tokens["part"])
    page = web.get(f"/ui/aftaler/{demo_world.midt_open}").text
    assert PROTOCOL in page and OWN in page and SECRET not in page
    assert HOLSTEBRO in page
    matrix = web.get("/ui/matrix?region=midtjylland").text
    assert "Holstebro" in matrix.split("<table", 1)[1] and SECRET not in matrix
    for fmt in ("csv", "xlsx"):
        data = web.get(f"/ui/matrix.{fmt}?region=midtjylland").content
        if fmt == "csv":
            text = data.decode("utf-8-sig")
        else:
            book = load_workbook(io.BytesIO(data))
            text = " ".join(str(c) for r in book.active.iter_rows(values_only=True)  # type: ignore[union-attr]
                            for c in r)
        assert "Godkendt 20.10.2026" in text and SECRET not in text
    own_page = web.get(f"/ui/aftaler/{demo_world.midt_open}/parter/kb-657").text
    assert OWN in own_page and SECRET not in own_page

    # the manager's dashboard shows the comment: the test can tell the two apart
    manager = log_in(web, demo_world.tokens["leder"])
    assert SECRET in manager.get(f"/ui/aftaler/{demo_world.midt_open}").text


def test_part_timeline_holds_its_own_and_the_common_documents_only(
        web, demo_engine, demo_world: DemoWorld) -> None:
    """The demo's agreement 1: a draft agenda item went to each of the 20 councils, and
    Lemvig postponed with a comment."""
    part, manager = auth(demo_world.tokens["part"]), auth(demo_world.tokens["leder"])
    seen = web.get("/agreements/1/history", headers=part).json()
    everything = web.get("/agreements/1/history", headers=manager).json()
    lemvig = "Afventer økonomiudvalgets bemærkninger"
    assert any(lemvig in (e["comment"] or "") for e in everything)
    assert not any(lemvig in (e["comment"] or "") for e in seen)
    assert "Kommunalbestyrelsen, Lemvig Kommune" in [e["comment"] for e in seen]
    documents = [e for e in seen if e["entity"] == "document"]
    assert documents and len(documents) < len([e for e in everything
                                               if e["entity"] == "document"])
    with Session(demo_engine) as session:  # type: ignore[call-overload]
        herning = session.exec(select(Body.id).where(Body.key == "kb-657")).one()
        for event in documents:
            document = session.get(StoredDocument, event["entity_id"])
            assert document is not None and document.recipient_body_id in (None, herning)
    assert lemvig not in web.get("/agreements/1", headers=part).text
    log_in(web, demo_world.tokens["part"])
    assert lemvig not in web.get("/ui/aftaler/1").text
