"""The public pages, feeds and open data (/offentlig/): only what is public, valid Atom, JSON
valid against its published schema, 304 on a repeated request, no cookies, validated input,
and the case handler's choice of when an agreement becomes public through every adapter."""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from dataclasses import dataclass
from datetime import date

import feedparser
import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from aftaleflow.cli.app import app as cli
from aftaleflow.domain.meetings import StoredDocument
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import NewAgreement, advance_agreement, create_agreement
from aftaleflow.services.agreements.publication import set_publication
from aftaleflow.services.agreements.texts import TextRevision, revise_text
from aftaleflow.services.documents.case_documents import render_agenda, render_letter
from aftaleflow.services.meetings.agenda import NewItem, add_item
from aftaleflow.services.uow import ServiceContext
from tests.web.conftest import DemoWorld, csrf_of, log_in, web_clock

CLOSED_ITEM = "LUKKETPUNKT-4471"
COMMENT = "KOMMENTAR-5582"
DRAFT = "UDKASTTEKST-6693"
DRAFT_TITLE = "UDKASTTITEL-6694"
HIDDEN = "SKJULTAFTALE-7704"
UNFINISHED = "UFAERDIGAFTALE-7705"
HANDLER_MAIL = "ane.holm@region.example"
HANDLER_NAME = "Sagsbehandler Ingeborg Kvist"
SECRETS = (CLOSED_ITEM, COMMENT, DRAFT, DRAFT_TITLE, HIDDEN, UNFINISHED, HANDLER_MAIL,
           HANDLER_NAME)


@dataclass
class Secrets:
    hidden: int
    unfinished: int
    handled: int
    letter: int
    public_agenda: int


def _new(ctx: ServiceContext, title: str, handler: str = "Ane Holm", *, send: bool) -> int:
    view = create_agreement(ctx, NewAgreement(
        title=title, kind="lokal_aftale", origin="ssu_bestilling", region="syddanmark",
        origin_cluster="sundhedsklynge-lillebaelt", kle_number="29.30.08-P27-9-26",
        case_handler=handler))
    if send:
        for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
            view = advance_agreement(ctx, view.id, trigger)
    return view.id


def plant_secrets(ctx: ServiceContext, world: DemoWorld) -> Secrets:
    """A closed item, a comment, a draft, non-public agreements and a case handler's e-mail."""
    add_item(ctx, world.meeting, NewItem(title=CLOSED_ITEM, agreement_id=world.midt_open,
                                         closed=True))
    public_agenda = render_agenda(ctx, world.meeting, public=True)
    record_decision(ctx, world.midt_open, Decision(
        party="Holstebro", decision="godkendt", meeting_date=date(2026, 10, 20),
        protocol_ref="Byrådet 20.10.2026, pkt. 4", comment=COMMENT))
    revise_text(ctx, world.renegotiation, TextRevision(title=DRAFT_TITLE, body=DRAFT))
    hidden = _new(ctx, HIDDEN, send=True)
    set_publication(ctx, hidden, "aldrig")
    unfinished = _new(ctx, UNFINISHED, send=False)
    handled = _new(ctx, "Fælles forløb for KOL", f"{HANDLER_NAME} <{HANDLER_MAIL}>", send=True)
    letter = render_letter(ctx, "rykker", world.midt_open, party="Herning", message=COMMENT)
    return Secrets(hidden, unfinished, handled, letter.id, public_agenda.id)


@pytest.fixture
def planted(demo_engine, demo_world: DemoWorld) -> Secrets:
    return plant_secrets(ServiceContext(engine=demo_engine, actor="test", clock=web_clock()),
                         demo_world)


@pytest.fixture
def public(web_app) -> TestClient:
    return TestClient(web_app)


def crawl(client: TestClient, starts: list[str]) -> dict[str, str]:
    """Every page, feed and data file reachable from the starts by /offentlig/ links."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < 400:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        text = response.content.decode("utf-8")
        seen[url] = text
        for href in re.findall(r'href="(/offentlig/[^"#]*)"', text):
            href = href.replace("&amp;", "&")
            if not href.endswith(".pdf") and "/static/" not in href and href not in seen:
                queue.append(href)
    return seen


def test_no_public_page_feed_json_or_csv_shows_anything_not_public(
        public: TestClient, planted: Secrets, demo_world: DemoWorld, demo_engine) -> None:
    starts = ["/offentlig/", "/offentlig/data", "/offentlig/beslutninger.atom",
              "/offentlig/data/aftaler.json?pr_side=1000", "/offentlig/data/aftaler.csv",
              *(f"/offentlig/?tilstand={s}" for s in ("i_godkendelse", "genforhandling")),
              *(f"/offentlig/regioner/{r}" for r in ("midtjylland", "syddanmark"))]
    pages = crawl(public, starts)
    assert f"/offentlig/aftaler/{demo_world.midt_open}" in pages
    assert f"/offentlig/aftaler/{planted.handled}/beslutninger.atom" in pages
    assert "/offentlig/regioner/syddanmark/beslutninger.atom" in pages
    assert len(pages) > 15
    linked: set[int] = set()
    for url, text in pages.items():
        found = [s for s in SECRETS if s.casefold() in text.casefold()]
        assert not found, f"{url} shows {found}"
        assert f"/offentlig/aftaler/{planted.hidden}" not in text
        assert f"/offentlig/aftaler/{planted.unfinished}" not in text
        linked.update(int(d) for d in re.findall(r"/offentlig/dokumenter/(\d+)\.pdf", text))
    with Session(demo_engine) as session:
        kinds = {session.get(StoredDocument, d).kind for d in linked}
    assert kinds == {"dagsorden_offentlig"} and planted.public_agenda in linked
    page = pages[f"/offentlig/aftaler/{demo_world.midt_open}"]
    assert "Byrådet 20.10.2026, pkt. 4" in page and "1 af 20 godkendt" in page
    assert f"/offentlig/dokumenter/{planted.public_agenda}.pdf" in page
    pdf = public.get(f"/offentlig/dokumenter/{planted.public_agenda}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert public.get(f"/offentlig/dokumenter/{planted.letter}.pdf").status_code == 404


def test_a_non_public_agreement_answers_exactly_as_one_that_does_not_exist(
        public: TestClient, planted: Secrets) -> None:
    missing = public.get("/offentlig/aftaler/987654")
    for agreement in (planted.hidden, planted.unfinished):
        response = public.get(f"/offentlig/aftaler/{agreement}")
        assert response.status_code == missing.status_code == 404
        assert response.text.replace(str(agreement), "N") == missing.text.replace("987654", "N")
        for tail in ("/beslutninger.atom",):
            feed = public.get(f"/offentlig/aftaler/{agreement}{tail}")
            assert feed.status_code == 404
            assert feed.json()["detail"] == f"Der er ingen offentlig samarbejdsaftale med " \
                                             f"nummer {agreement}."
        assert public.get(f"/offentlig/data/aftaler/{agreement}.json").status_code == 404
    assert public.get(f"/offentlig/data/aftaler.json?q={HIDDEN}").json()["total"] == 0
    assert public.get("/offentlig/aftaler/abc").status_code == 404
    assert public.get("/offentlig/regioner/atlantis").status_code == 404
    assert public.get("/offentlig/regioner/atlantis/beslutninger.atom").status_code == 404
    assert public.get("/offentlig/dokumenter/abc.pdf").status_code == 404


def test_atom_feeds_validate_and_the_json_validates_against_its_published_schema(
        public: TestClient, planted: Secrets, demo_world: DemoWorld) -> None:
    for url in ("/offentlig/beslutninger.atom", "/offentlig/regioner/midtjylland/beslutninger.atom",
                f"/offentlig/aftaler/{demo_world.midt_open}/beslutninger.atom"):
        response = public.get(url)
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, (url, feed.get("bozo_exception"))
        assert feed.version == "atom10" and feed.feed.title and feed.entries
        ids = [e.id for e in feed.entries]
        assert len(ids) == len(set(ids)) and all(i.startswith("urn:aftaleflow:beslutning:")
                                                  for i in ids)
        assert all("/offentlig/aftaler/" in e.link and e.updated for e in feed.entries)
    own = feedparser.parse(public.get(
        f"/offentlig/aftaler/{demo_world.midt_open}/beslutninger.atom").content)
    assert next(e.title for e in own.entries).startswith(
        "Kommunalbestyrelsen, Holstebro Kommune")

    schema = public.get("/offentlig/data/skema/aftaler-1.json").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for url in ("/offentlig/data/aftaler.json", "/offentlig/data/aftaler.json?pr_side=25",
                "/offentlig/data/aftaler.json?region=midtjylland&tilstand=i_godkendelse",
                f"/offentlig/data/aftaler/{demo_world.midt_open}.json"):
        document = public.get(url).json()
        validator.validate(document)
        assert document["license"]["url"].startswith("https://creativecommons.org/")
    data = public.get("/offentlig/data/aftaler.json?region=midtjylland").json()
    midt = next(a for a in data["agreements"] if a["number"] == demo_world.midt_open)
    assert midt["id"] == f"urn:aftaleflow:aftale:{demo_world.midt_open}"
    assert midt["counts"] == {"approved": 1, "parties": 20}
    rows = list(csv.DictReader(io.StringIO(public.get(
        "/offentlig/data/aftaler.csv?region=midtjylland").content.decode("utf-8-sig"))))
    decided = [r for r in rows if r["agreement_id"] == midt["id"] and r["result"] == "godkendt"]
    assert [r["protocol_reference"] for r in decided] == ["Byrådet 20.10.2026, pkt. 4"]
    assert {r["decision_id"] for r in rows if r["agreement_id"] == midt["id"]} == \
        {d["id"] for d in midt["decisions"]}


def test_a_repeated_request_gets_304_until_something_changes(
        public: TestClient, demo_engine, demo_world: DemoWorld) -> None:
    urls = ["/offentlig/", f"/offentlig/aftaler/{demo_world.midt_open}",
            "/offentlig/data/aftaler.json", "/offentlig/data/aftaler.csv",
            "/offentlig/beslutninger.atom"]
    first = {u: public.get(u) for u in urls}
    for url, response in first.items():
        assert response.headers["cache-control"] == "public, max-age=60"
        again = public.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", url
        assert again.headers["etag"] == response.headers["etag"]
        since = public.get(url, headers={"If-Modified-Since": response.headers["last-modified"]})
        assert since.status_code == 304, url
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=web_clock())
    record_decision(ctx, demo_world.midt_open, Decision(party="Lemvig", decision="godkendt",
                                                        meeting_date=date(2026, 10, 21)))
    url = f"/offentlig/aftaler/{demo_world.midt_open}"
    changed = public.get(url, headers={"If-None-Match": first[url].headers["etag"]})
    assert changed.status_code == 200 and "1 af 20 godkendt" in changed.text


def test_public_pages_take_no_cookie_and_set_none(web_app, demo_world: DemoWorld) -> None:
    anonymous = TestClient(web_app)
    logged_in = log_in(TestClient(web_app), demo_world.tokens["admin"])
    assert logged_in.cookies  # the dashboard's session cookie is there ...
    for url in ("/offentlig/", f"/offentlig/aftaler/{demo_world.midt_open}",
                "/offentlig/data/aftaler.json", "/offentlig/aftaler/999999",
                "/offentlig/?aar=x", "/offentlig/static/app.css"):
        plain, with_cookie = anonymous.get(url), logged_in.get(url)
        assert "set-cookie" not in plain.headers and "set-cookie" not in with_cookie.headers
        assert plain.content == with_cookie.content, url  # ... and changes nothing
        assert "Log ud" not in plain.text


@pytest.mark.parametrize(("query", "message"), [
    ("aar=abc", "År skal være et heltal"), ("aar=1800", "mellem 2000 og 2100"),
    ("tilstand=hemmelig", "Ukendt tilstand"), ("region=atlantis", "Ukendt region"),
    ("klynge=ingen", "Ukendt sundhedsklynge"), ("pr_side=7", "Antal pr. side"),
    ("side=0", "Side skal"), ("hvem=ane", "Ukendt parameter: hvem"),
    ("region=midtjylland&region=syddanmark", "kun angives én gang"),
    ("q=" + "x" * 201, "søgetekst"),
])
def test_bad_query_parameters_are_refused_in_danish(public: TestClient, query: str,
                                                    message: str) -> None:
    page = public.get(f"/offentlig/?{query}")
    assert page.status_code == 422 and message in page.text
    data = public.get(f"/offentlig/data/aftaler.json?{query}")
    assert data.status_code == 422 and message in data.json()["detail"]
    assert data.headers["content-type"] == "application/problem+json"


def test_filters_and_search_find_the_public_agreements(public: TestClient,
                                                       demo_world: DemoWorld) -> None:
    midt = public.get("/offentlig/data/aftaler.json?region=midtjylland").json()
    assert {a["jurisdiction"]["name"] for a in midt["agreements"]} == {"Region Midtjylland"}
    assert demo_world.midt_open in {a["number"] for a in midt["agreements"]}
    found = public.get("/offentlig/data/aftaler.json?q=udgående teams").json()
    assert found["total"] >= 1 and all("udgående" in a["title"].casefold()
                                       for a in found["agreements"])
    area = public.get("/offentlig/data/aftaler.json?klynge=goedstrupklyngen-vest").json()
    assert {a["area"]["name"] for a in area["agreements"]} == {"Gødstrupklyngen (Vest)"}
    year = public.get("/offentlig/data/aftaler.json?aar=2026").json()
    assert year["total"] == public.get("/offentlig/data/aftaler.json").json()["total"]
    assert public.get("/offentlig/data/aftaler.json?aar=2031").json()["total"] == 0
    page = public.get("/offentlig/?region=syddanmark&tilstand=genforhandling")
    assert f'href="/offentlig/aftaler/{demo_world.renegotiation}"' in page.text
    assert "Genforhandling" in page.text


def _unpublished(demo_engine) -> tuple[ServiceContext, int]:
    ctx = ServiceContext(engine=demo_engine, actor="test", clock=web_clock())
    return ctx, _new(ctx, "Tidlig offentliggørelse", send=False)


def test_case_handler_publishes_from_a_date_with_the_cli(public, demo_engine, databases,
                                                         monkeypatch) -> None:
    _ctx, agreement = _unpublished(demo_engine)
    assert public.get(f"/offentlig/aftaler/{agreement}").status_code == 404
    monkeypatch.setenv("AFTALEFLOW_DATABASE_URL", demo_engine.url.render_as_string(False))
    monkeypatch.setenv("AFTALEFLOW_TODAY", "2026-10-26")
    result = CliRunner().invoke(cli, ["agreement", "publish", str(agreement), "--fra",
                                      "2026-10-26"])
    assert result.exit_code == 0, result.output
    assert "Offentlig fra 26.10.2026 (vises nu" in result.output
    assert public.get(f"/offentlig/aftaler/{agreement}").status_code == 200
    both = CliRunner().invoke(cli, ["agreement", "publish", str(agreement), "--aldrig",
                                    "--fra", "2026-10-26"])
    assert both.exit_code == 2 and "præcis én" in both.output


def test_case_handler_publishes_over_the_api_and_a_reader_may_not(web_app, public,
                                                                  demo_engine,
                                                                  demo_world) -> None:
    _ctx, agreement = _unpublished(demo_engine)
    api = TestClient(web_app)
    url = f"/agreements/{agreement}/publication"
    refused = api.put(url, json={"publication": "fra_dato", "public_from": "2026-10-01"},
                      headers={"Authorization": f"Bearer {demo_world.tokens['leder']}"})
    assert refused.status_code == 403
    done = api.put(url, json={"publication": "fra_dato", "public_from": "2026-10-01"},
                   headers={"Authorization": f"Bearer {demo_world.tokens['sagsbehandler']}"})
    assert done.status_code == 200 and done.json()["public_now"] is True
    assert public.get(f"/offentlig/aftaler/{agreement}").status_code == 200
    missing_date = api.put(url, json={"publication": "fra_dato"}, headers={
        "Authorization": f"Bearer {demo_world.tokens['sagsbehandler']}"})
    assert missing_date.status_code == 422 and "Angiv datoen" in missing_date.json()["detail"]


def test_case_handler_withholds_an_agreement_on_the_dashboard(web_app, public, demo_world
                                                              ) -> None:
    agreement = demo_world.midt_open
    assert public.get(f"/offentlig/aftaler/{agreement}").status_code == 200
    web = log_in(TestClient(web_app), demo_world.tokens["sagsbehandler"])
    page = web.get(f"/ui/aftaler/{agreement}").text
    assert "Offentlighed og aktindsigt" in page and "vises nu på" in page
    response = web.post(f"/ui/aftaler/{agreement}/offentlighed", data={
        "csrf": csrf_of(web, f"/ui/aftaler/{agreement}"), "publication": "aldrig",
        "public_from": ""}, follow_redirects=True)
    assert "Offentlighed gemt: Aldrig offentlig" in response.text
    assert public.get(f"/offentlig/aftaler/{agreement}").status_code == 404
    history = web.get(f"/ui/aftaler/{agreement}").text
    assert "Offentlighed ændret" in history and "Aldrig offentlig" in history


def test_public_case_handler_is_shown_only_when_configured(public, planted: Secrets,
                                                           monkeypatch) -> None:
    url = f"/offentlig/aftaler/{planted.handled}"
    assert HANDLER_NAME not in public.get(url).text
    monkeypatch.setenv("AFTALEFLOW_PUBLIC_CASE_HANDLER", "1")
    assert HANDLER_NAME in public.get(url).text

