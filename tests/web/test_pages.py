"""The dashboard over HTTP without a browser: login, CSRF, roles, exports, the ICS feed."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook

from aftaleflow.services.agreements.cases import list_agreements
from aftaleflow.services.reading.cells import with_cell
from aftaleflow.services.reading.dashboard import matrix_agreements
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import ApprovalView
from tests.web.conftest import DemoWorld, csrf_of, feed_address, log_in, login_data, web_clock


def test_pages_redirect_to_login_without_a_token(web) -> None:
    assert web.get("/", follow_redirects=False).headers["location"] == "/ui/"
    response = web.get("/ui/matrix?region=midtjylland", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?naeste=/ui/matrix%3Fregion%3Dmidtjylland"


def test_login_sets_httponly_strict_cookies_and_a_wrong_token_is_refused(web, demo_world) -> None:
    bad = web.post("/ui/login", data=login_data(web, "af_forkert"))
    assert bad.status_code == 401 and "Ugyldigt eller inaktivt API-token" in bad.text
    response = web.post("/ui/login", data=login_data(web, demo_world.tokens["leder"],
                                                     "https://evil.example/"),
                        follow_redirects=False)
    assert response.headers["location"] == "/ui/"  # never redirected off-site
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_pages_may_not_be_framed_or_cached_and_load_only_local_assets(web, demo_world) -> None:
    log_in(web, demo_world.tokens["leder"])
    headers = web.get("/ui/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    assert "http" not in web.get("/ui/static/app.css").text
    assert 'src="http' not in web.get("/ui/").text and 'href="http' not in web.get("/ui/").text


def test_control_characters_are_refused_before_reaching_the_database(web, demo_world) -> None:
    log_in(web, demo_world.tokens["udvalgssekretaer"])
    assert web.get("/ui/matrix?region=%00").status_code == 422
    response = web.post("/ui/moeder", data={"csrf": csrf_of(web), "body": "kb-657\x00",
                                            "starts_at": "2026-12-01T17:00", "place": "Salen"})
    assert "indeholder kontroltegn" in response.text


def test_html_routes_are_not_in_the_openapi_schema(web) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/ui") or p == "/"]


def test_a_form_without_the_csrf_field_is_refused_and_changes_nothing(
        web, demo_world: DemoWorld) -> None:
    log_in(web, demo_world.tokens["sagsbehandler"])
    url = f"/ui/aftaler/{demo_world.renegotiation}/handling/send_til_ssu"
    for data in ({"version": "1"}, {"version": "1", "csrf": "0" * 64}):
        response = web.post(url, data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    assert "Genforhandling" in web.get(f"/ui/aftaler/{demo_world.renegotiation}").text


def test_case_handler_advances_after_confirmation(web, demo_world: DemoWorld) -> None:
    log_in(web, demo_world.tokens["sagsbehandler"])
    page = web.get(f"/ui/aftaler/{demo_world.renegotiation}").text
    assert f"/ui/aftaler/{demo_world.renegotiation}/handling/send_til_ssu" in page
    confirm = web.get(f"/ui/aftaler/{demo_world.renegotiation}/handling/send_til_ssu").text
    assert "«Genforhandling» til «Til behandling i SSU»" in confirm
    version = confirm.split('name="version" value="')[1].split('"')[0]
    done = web.post(f"/ui/aftaler/{demo_world.renegotiation}/handling/send_til_ssu",
                    data={"csrf": csrf_of(web), "version": version, "comment": "Ny tekst"})
    assert "Aftalen er nu «Til behandling i SSU»" in done.text
    stale = web.post(f"/ui/aftaler/{demo_world.renegotiation}/handling/tilbage_til_udarbejdelse",
                     data={"csrf": csrf_of(web), "version": version})
    assert "ændret af en anden" in stale.text  # the old version: a conflict, shown as a flash


def test_manager_sees_no_actions_and_may_not_advance(web, demo_world: DemoWorld) -> None:
    log_in(web, demo_world.tokens["leder"])
    page = web.get(f"/ui/aftaler/{demo_world.renegotiation}").text
    assert "/handling/" not in page
    response = web.get(f"/ui/aftaler/{demo_world.renegotiation}/handling/send_til_ssu")
    assert response.status_code == 404
    done = web.post(f"/ui/aftaler/{demo_world.renegotiation}/handling/send_til_ssu",
                    data={"csrf": csrf_of(web), "version": "1"})
    assert "må ikke føre samarbejdsaftaler videre" in done.text


def test_part_gets_a_danish_403_on_meetings(web, demo_world: DemoWorld) -> None:
    log_in(web, demo_world.tokens["part"])
    response = web.get(f"/ui/moeder/{demo_world.meeting}")
    assert response.status_code == 403
    assert "må ikke se møder og dagsordener" in response.text
    assert 'href="/ui/moeder"' not in web.get("/ui/").text


def test_matrix_exports_as_csv_and_xlsx(web, demo_world: DemoWorld) -> None:
    log_in(web, demo_world.tokens["leder"])
    response = web.get("/ui/matrix.csv?region=midtjylland")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows[0]) == 5 + 20  # Nr., aftale, region, tilstand, godkendt + 20 parter
    herning = rows[0].index("Kommunalbestyrelsen, Herning Kommune")
    assert [r[herning] for r in rows[1:]] == ["Godkendt 20.04.2026",
                                              "Sat på dagsorden 17.11.2026 · frist 21.12.2026"]
    book = load_workbook(io.BytesIO(web.get("/ui/matrix.xlsx?region=midtjylland").content))
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == rows[0]
    assert sheet.max_row == len(rows)


def test_ics_feed_takes_the_users_calendar_key_and_refuses_a_token(web, demo_world) -> None:
    assert web.get("/ui/kalender.ics?noegle=afk_forkert").status_code == 401
    token = demo_world.tokens["udvalgssekretaer"]
    assert web.get(f"/ui/kalender.ics?token={token}").status_code == 401
    address = feed_address(web, token)
    response = TestClient(web.app).get(address)  # Outlook: no cookie, only the address
    assert response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in events]
    assert "Møde: Kommunalbestyrelsen, Herning Kommune" in summaries
    assert any(s.startswith("Frist for udsendelse af dagsorden") for s in summaries)
    assert any(s.startswith("Godkendelsesfrist: Kommunalbestyrelsen, Herning") for s in summaries)
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_part_feed_holds_only_its_own_deadlines_and_no_meetings(web, demo_world) -> None:
    response = TestClient(web.app).get(feed_address(web, demo_world.tokens["part"]))
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    assert summaries
    assert all("Herning" in s and s.startswith("Godkendelsesfrist") for s in summaries)


def _cells(rows) -> list[tuple]:  # type: ignore[no-untyped-def]
    """The matrix's rows (cells as tuples) and the agreement views, compared field by field."""
    return [(r.id, r.title, r.state, r.region, r.approvals_total, r.approvals_approved,
             [with_cell(ApprovalView(*a), r.state) if isinstance(a, tuple) else a
              for a in r.approvals])
            for r in rows]


def test_matrix_read_model_equals_list_agreements(demo_engine) -> None:
    ctx = ServiceContext(engine=demo_engine, actor="t", clock=web_clock())
    assert _cells(matrix_agreements(ctx)) == _cells(list_agreements(ctx))
    for filters in ({"region": "midtjylland"}, {"cluster": "sundhedsklynge-lillebaelt"},
                    {"state": "i_godkendelse"}):
        assert _cells(matrix_agreements(ctx, **filters)) == _cells(
            list_agreements(ctx, **filters))
