"""The decision page a request mail links to, over HTTP without a browser."""

from __future__ import annotations

from aftaleflow.services.agreements.cases import get_agreement
from aftaleflow.services.uow import ServiceContext
from tests.web.conftest import DemoWorld, csrf_of, log_in, login_data, web_clock

OTHER_COUNCILS = ("Holstebro", "Lemvig", "Ikast-Brande", "Struer", "Aarhus", "Randers")


def _page(demo_world: DemoWorld, body: str = "kb-657") -> str:
    return f"/ui/aftaler/{demo_world.midt_open}/parter/{body}"


def test_the_link_is_kept_through_the_login_to_the_decision_page(web, demo_world) -> None:
    first = web.get(_page(demo_world), follow_redirects=False)
    assert first.status_code == 303
    login = web.get(first.headers["location"])
    assert f'value="{_page(demo_world)}"' in login.text
    landed = web.post("/ui/login", data=login_data(web, demo_world.tokens["part"],
                                                   _page(demo_world)), follow_redirects=False)
    assert landed.headers["location"] == _page(demo_world)


def test_decision_page_shows_deadline_rule_form_and_no_other_council(web, demo_world) -> None:
    """The decision page is the party's own; the matrix shows every party's decision (a
    public record, issue 20), and only the part's own cells link to a decision page."""
    log_in(web, demo_world.tokens["part"])
    html = web.get(_page(demo_world)).text
    assert "Kommunalbestyrelsen, Herning Kommune: beslutning om samarbejdsaftale" in html
    assert "Fristregel: 40 hverdage fra rundens start; Hverdage: mandag–fredag" in html
    assert "Registrér beslutning" in html and "Tekstversion" in html
    assert "Sagens forløb" in html and "Begrundelse (skal udfyldes)" in html
    assert not [name for name in OTHER_COUNCILS if name in html]
    matrix = web.get("/ui/matrix").text.split("<table", 1)[1]  # the filters list master data
    assert all(name in matrix for name in OTHER_COUNCILS)
    assert "/parter/kb-661" not in matrix and "/parter/kb-657" in matrix
    assert web.get(_page(demo_world, "kb-661")).status_code == 403  # Holstebro's page


def test_part_records_godkendt_on_its_page_and_sees_it_once(web, demo_engine, demo_world
                                                            ) -> None:
    log_in(web, demo_world.tokens["part"])
    response = web.post(_page(demo_world), data={
        "csrf": csrf_of(web, _page(demo_world)), "version": _version(demo_engine, demo_world),
        "decision": "godkendt", "meeting_date": "2026-11-17",
        "protocol_ref": "Byrådet 17.11.2026, pkt. 12"})
    assert "Registreret: Kommunalbestyrelsen, Herning Kommune er nu «Godkendt»" in response.text
    assert response.text.count("Registreret:") == 1
    assert "Registreret:" not in web.get(_page(demo_world)).text  # the flash is shown once
    ctx = ServiceContext(engine=demo_engine, actor="t", clock=web_clock())
    herning = next(p for p in get_agreement(ctx, demo_world.midt_open).approvals
                   if p.body_key == "kb-657")
    assert herning.state == "godkendt" and herning.protocol_ref == "Byrådet 17.11.2026, pkt. 12"


def test_rejecting_without_a_reason_is_refused_and_changes_nothing(web, demo_engine, demo_world
                                                                   ) -> None:
    log_in(web, demo_world.tokens["part"])
    response = web.post(_page(demo_world), data={
        "csrf": csrf_of(web, _page(demo_world)), "version": _version(demo_engine, demo_world),
        "decision": "afvist", "comment": " "})
    assert "kan ikke gøres om: skriv begrundelsen" in response.text
    ctx = ServiceContext(engine=demo_engine, actor="t", clock=web_clock())
    assert get_agreement(ctx, demo_world.midt_open).state == "i_godkendelse"


def test_withdrawal_sits_apart_and_needs_a_reason(web, demo_engine, demo_world) -> None:
    log_in(web, demo_world.tokens["sagsbehandler"])
    html = web.get(f"/ui/aftaler/{demo_world.midt_open}").text
    everyday, final = html.split('id="h-final"')
    assert "Træk aftalen tilbage" not in everyday and "Træk aftalen tilbage" in final
    url = f"/ui/aftaler/{demo_world.midt_open}/handling/tilbagetraek"
    assert "Begrundelse (skal udfyldes)" in web.get(url).text
    ctx = ServiceContext(engine=demo_engine, actor="t", clock=web_clock())
    version = str(get_agreement(ctx, demo_world.midt_open).version)
    refused = web.post(url, data={"csrf": csrf_of(web), "version": version, "comment": ""})
    assert "skriv begrundelsen" in refused.text
    done = web.post(url, data={"csrf": csrf_of(web), "version": version,
                               "comment": "Erstattes af den nationale aftale"})
    assert "Træk aftalen tilbage: udført. Aftalen er nu «Tilbagetrukket»." in done.text
    assert "Udført: Udført" not in done.text and done.text.count("udført") == 1


def test_old_api_links_in_sent_mails_lead_to_the_decision_page(web, demo_world) -> None:
    old = f"/agreements/{demo_world.midt_open}/approvals/kb-657"
    assert web.get(old, follow_redirects=False).headers["location"] == _page(demo_world)


def _version(engine: object, demo_world: DemoWorld) -> str:
    ctx = ServiceContext(engine=engine, actor="t", clock=web_clock())  # type: ignore[arg-type]
    view = get_agreement(ctx, demo_world.midt_open)
    return str(next(p.version for p in view.approvals if p.body_key == "kb-657"))


