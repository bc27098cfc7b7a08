"""The administrator's carry-over over HTTP: preview, refusal before the day, apply, repeat."""

from __future__ import annotations

from datetime import date

from aftaleflow.services.agreements.cases import advance_agreement
from tests.api.conftest import auth
from tests.factories import Spec, new_agreement

HOVEDSTADEN = Spec(kind="regional_samarbejdsaftale", region="hovedstaden", cluster=None)


def test_carry_over_route_previews_applies_once_and_names_the_reason(client, ctx, clock,
                                                                     world) -> None:
    clock.set(date(2026, 12, 15))
    case = advance_agreement(ctx, new_agreement(ctx, HOVEDSTADEN).id, "send_til_ssu")
    admin = auth(world.tokens["admin"])
    clock.set(date(2026, 12, 20))
    preview = client.get("/structure/carry-over?on=2027-01-01", headers=admin).json()
    # The seeded cases of Midtjylland and Lillebælt move to their sundhedsråd areas too.
    assert preview["dry_run"] and [c["agreement_id"] for c in preview["cases"]] == [
        world.midt, world.syd, case.id]
    early = client.post("/structure/carry-over", json={"on": "2027-01-01"}, headers=admin)
    assert early.status_code == 422
    assert "kan først udføres den dag" in early.json()["detail"]

    clock.set(date(2027, 2, 1))
    actions = client.get(f"/agreements/{case.id}/actions", headers=admin).json()
    assert "indstil_til_godkendelse" not in [a["trigger"] for a in actions]
    every = client.get(f"/agreements/{case.id}/actions?unavailable=true", headers=admin).json()
    blocked = next(a for a in every if a["trigger"] == "indstil_til_godkendelse")
    assert not blocked["available"]
    assert "Region Hovedstaden ophørte 2026-12-31, efterfølger Region Østdanmark" in (
        blocked["reason"])

    done = client.post("/structure/carry-over", json={"on": "2027-01-01"}, headers=admin)
    assert done.status_code == 200 and not done.json()["dry_run"]
    assert "Region: Region Hovedstaden → Region Østdanmark" in "\n".join(done.json()["text"])
    again = client.post("/structure/carry-over", json={"on": "2027-01-01"}, headers=admin)
    assert again.json()["cases"] == [] and again.json()["changes"] == 0
    actions = client.get(f"/agreements/{case.id}/actions", headers=admin).json()
    assert "indstil_til_godkendelse" in [a["trigger"] for a in actions]
