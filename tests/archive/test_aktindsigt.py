"""Aktindsigt: what may be handed out goes in, a closed item and internal documents are listed
as withheld with their paragraph, the request is an audit event, and `archive verify` passes;
the same through the CLI, the API and the dashboard's button."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from aftaleflow.api.app import create_app
from aftaleflow.archive.verify import verify_package
from aftaleflow.cli.app import app as cli
from aftaleflow.config import TIMEZONE
from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import PermissionDenied, ValidationFailed
from aftaleflow.domain.model import AuditEvent
from aftaleflow.services.access.users import create_user
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.texts import TextRevision, revise_text
from aftaleflow.services.documents.aktindsigt import AktindsigtRequest, aktindsigt_case
from aftaleflow.services.documents.case_documents import render_agenda, render_agenda_item
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.uow import ServiceContext
from tests.factories import agreement_in_state
from tests.web.conftest import log_in

SECRET_TITLE = "Personalesag om LUKKETPUNKT-7731"


def _case(ctx: ServiceContext) -> tuple[int, int, int]:
    """A renegotiated agreement with an open and a closed item, and a new draft text."""
    view = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "kb-621", datetime(2026, 3, 10, 17, 0, tzinfo=TIMEZONE),
                             "Byrådssalen")
    add_item(ctx, meeting.id, NewItem(agreement_id=view.id))
    closed = add_item(ctx, meeting.id, NewItem(title=SECRET_TITLE, agreement_id=view.id,
                                               closed=True))
    closed_doc = render_agenda_item(ctx, closed.id)
    public_agenda = render_agenda(ctx, meeting.id, public=True)
    record_decision(ctx, view.id, Decision(party="Vejle", decision="afvist",
                                           comment="Afvist i byrådet"))
    revise_text(ctx, view.id, TextRevision(body="UDKAST-9912 ny tekst til næste runde"))
    return view.id, closed_doc.id, public_agenda.id


def _names(data: bytes) -> list[str]:
    return zipfile.ZipFile(BytesIO(data)).namelist()


def _read(data: bytes, name: str) -> str:
    archive = zipfile.ZipFile(BytesIO(data))
    return archive.read(next(n for n in archive.namelist() if n.endswith(name))).decode()


def test_closed_item_is_listed_as_withheld_and_not_included(ctx, engine, tmp_path) -> None:
    agreement, closed_doc, public_agenda = _case(ctx)
    package = aktindsigt_case(ctx, agreement, AktindsigtRequest("Jens Hansen",
                                                                date(2026, 3, 1)))
    target = tmp_path / package.name
    target.write_bytes(package.data)
    assert verify_package(target).ok
    names = _names(package.data)
    assert not [n for n in names if f"{closed_doc:05d}-" in n]  # the closed item's PDF
    assert [n for n in names if f"{public_agenda:05d}-dagsorden_offentlig" in n]
    payload = b"".join(zipfile.ZipFile(BytesIO(package.data)).read(n) for n in names
                       if n.endswith(".json"))
    assert b"LUKKETPUNKT-7731" not in payload and b"UDKAST-9912" not in payload
    withheld = json.loads(_read(package.data, "undtaget.json"))["undtaget"]
    closed = [w for w in withheld if w["grund"] == "lukket_punkt"]
    assert any(w["hvad"].startswith("Dagsordenpunkt 2 på mødet") for w in closed)
    assert any(f"Dokument {closed_doc}" in w["hvad"] for w in closed)
    assert all("offentlighedslovens § 30, nr. 1, og § 33, nr. 5" in w["henvisning"]
               for w in closed)
    drafts = [w for w in withheld if w["grund"] == "internt_dokument"]
    assert any("udkast" in w["hvad"] for w in drafts)
    assert all("§ 23, stk. 1, nr. 1" in w["henvisning"] for w in drafts)
    with Session(engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.trigger == "aktindsigt")).one()
    assert event.agreement_id == agreement
    assert "Jens Hansen" in (event.comment or "") and "01.03.2026" in (event.comment or "")


def test_aktindsigt_refuses_a_future_request_and_a_reader(ctx, engine) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    with pytest.raises(ValidationFailed, match="efter i dag"):
        aktindsigt_case(ctx, view.id, AktindsigtRequest("Jens", date(2030, 1, 1)))
    reader = replace(ctx, principal=Principal(name="Læser", role=Role.MANAGER))
    with pytest.raises(PermissionDenied):
        aktindsigt_case(reader, view.id, AktindsigtRequest("Jens", date(2026, 3, 1)))


def test_cli_writes_the_package_that_archive_verify_accepts(ctx, db_url, tmp_path,
                                                            monkeypatch) -> None:
    agreement, _closed, _public = _case(ctx)
    monkeypatch.setenv("AFTALEFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("AFTALEFLOW_TODAY", "2026-03-20")
    target = tmp_path / f"sag-{agreement}.zip"
    result = CliRunner().invoke(cli, ["aktindsigt", str(agreement), "--anmoder",
                                      "Jens Hansen", "--modtaget", "2026-03-01", "-o",
                                      str(target)])
    assert result.exit_code == 0, result.output
    assert "Dagsordenpunkt 2 på mødet" in result.output and "§ 30, nr. 1" in result.output
    checked = CliRunner().invoke(cli, ["archive", "verify", str(target)])
    assert checked.exit_code == 0 and "Arkivpakken er gyldig" in checked.output
    bad = CliRunner().invoke(cli, ["aktindsigt", str(agreement), "--anmoder", "X",
                                   "--modtaget", "1.3.2026"])
    assert bad.exit_code == 2 and "ÅÅÅÅ-MM-DD" in bad.output


def test_api_and_dashboard_hand_out_the_same_package(ctx, engine, clock,
                                                     tmp_path: Path) -> None:
    agreement, closed_doc, _public = _case(ctx)
    _user, token = create_user(ctx, "Ane Holm", "sagsbehandler")
    client = TestClient(create_app(engine, clock))
    response = client.post(f"/agreements/{agreement}/aktindsigt",
                           json={"requester": "Jens Hansen", "received_on": "2026-03-01"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.headers["content-type"] == \
        "application/zip"
    assert not [n for n in _names(response.content) if f"{closed_doc:05d}-" in n]
    target = tmp_path / "api.zip"
    target.write_bytes(response.content)
    assert verify_package(target).ok
    _reader, reader_token = create_user(ctx, "Leder", "leder")
    refused = client.post(f"/agreements/{agreement}/aktindsigt",
                          json={"requester": "Jens", "received_on": "2026-03-01"},
                          headers={"Authorization": f"Bearer {reader_token}"})
    assert refused.status_code == 403

    web = TestClient(create_app(engine, clock))
    log_in(web, token)
    page = web.get(f"/ui/aftaler/{agreement}").text
    assert "Dan aktindsigtspakke" in page
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf
    download = web.post(f"/ui/aftaler/{agreement}/aktindsigt",
                        data={"csrf": csrf.group(1), "requester": "Jens Hansen",
                              "received_on": "2026-03-01"})
    assert download.status_code == 200
    assert "undtaget.json" in " ".join(_names(download.content))
    target.write_bytes(download.content)
    assert verify_package(target).ok
    timeline = web.get(f"/ui/aftaler/{agreement}").text
    assert "Aktindsigt udleveret" in timeline and "Anmodning om aktindsigt fra Jens" in timeline
