"""The carry-over flow: on the day master data names, cases move and the manager gets a mail."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.agreements.cases import advance_agreement, get_agreement
from flows.structure import structure_carry_over
from tests.factories import Spec, new_agreement
from tests.smtp_server import SmtpTestServer

HOVEDSTADEN = Spec(kind="regional_samarbejdsaftale", region="hovedstaden", cluster=None)


def test_carry_over_flow_moves_cases_on_the_day_and_mails_the_manager_once(
        prefect_harness, flow_env, ctx, clock, monkeypatch) -> None:
    clock.set(date(2026, 12, 15))
    case = new_agreement(ctx, HOVEDSTADEN)
    case = advance_agreement(ctx, case.id, "send_til_ssu")
    case = advance_agreement(ctx, case.id, "indstil_til_godkendelse")
    with SmtpTestServer() as server:
        settings = server.settings()
        monkeypatch.setenv("AFTALEFLOW_SMTP_HOST", settings.host)
        monkeypatch.setenv("AFTALEFLOW_SMTP_PORT", str(settings.port))
        before = structure_carry_over(today="2026-12-31")
        first = structure_carry_over(today="2027-01-01")
        second = structure_carry_over(today="2027-01-02")
        received = server.received
    assert before["queued"] == [] and second["queued"] == [] and second["sent"] == []
    # The report to the manager, and the request to the successor of the regionsråd.
    assert len(first["queued"]) == 1 and set(first["queued"]) <= set(first["sent"])
    assert sorted(r.rcpt_tos for r in received) == [("leder@aftaleflow.test",),
                                                    ("rr-oestdanmark@aftaleflow.test",)]
    mail = next(r.message for r in received if r.rcpt_tos == ("leder@aftaleflow.test",))
    assert mail["Subject"] == "Overførsel af åbne sager til strukturen pr. 2027-01-01"
    body = mail.get_body(("plain",)).get_content()
    assert ("Afventende godkendelse: Regionsrådet, Region Hovedstaden → Regionsrådet, Region "
            "Østdanmark") in body
    assert get_agreement(ctx, case.id).region == "Region Østdanmark"
