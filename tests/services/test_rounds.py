"""Approval rounds are built from master data valid on the day the round starts."""

from __future__ import annotations

from datetime import date

import pytest

from aftaleflow.domain.errors import GuardFailed
from aftaleflow.masterdata import files
from aftaleflow.services.agreements.cases import advance_agreement
from tests.factories import Spec, new_agreement

DATA = files.read()


def _expected_parties(region: str) -> int:
    """Councils of the region's municipalities (from the data file) + the regionsråd."""
    return 1 + sum(
        1 for m in DATA.municipalities
        if any(r["region"] == region and str(r["valid_to"]) >= "2026" for r in m["regions"])
    )


def _start_round(ctx, spec: Spec):
    view = new_agreement(ctx, spec)
    view = advance_agreement(ctx, view.id, "send_til_ssu")
    return advance_agreement(ctx, view.id, "indstil_til_godkendelse")


@pytest.mark.parametrize(("region", "count"), [
    ("midtjylland", 20), ("syddanmark", 23), ("nordjylland", 12), ("hovedstaden", 30),
    ("sjaelland", 18),
])
def test_regional_agreement_asks_every_council_and_the_regionsraad(ctx, region, count) -> None:
    view = _start_round(ctx, Spec(kind="regional_samarbejdsaftale", region=region,
                                  cluster=None))
    assert view.approvals_total == count == _expected_parties(region)
    kinds = [a.body_kind for a in view.approvals]
    assert kinds.count("regionsraad") == 1 and kinds.count("kommunalbestyrelse") == count - 1
    assert len({a.body_key for a in view.approvals}) == count  # København asked once


def test_lillebaelt_local_agreement_asks_its_six_councils_and_the_region(ctx) -> None:
    view = _start_round(ctx, Spec())
    assert view.approvals_total == 7
    names = sorted(a.body for a in view.approvals)
    assert "Kommunalbestyrelsen, Vejen Kommune" in names
    assert "Regionsrådet, Region Syddanmark" in names


def test_klyngemidler_in_goedstrup_asks_six_councils_and_the_region(ctx) -> None:
    view = _start_round(ctx, Spec(kind="klyngemidler_beslutning", region="midtjylland",
                                  cluster="goedstrupklyngen-vest"))
    assert view.approvals_total == 7


def test_round_after_the_reform_uses_the_new_structure(ctx, clock) -> None:
    clock.set(date(2027, 2, 1))
    view = _start_round(ctx, Spec(kind="regional_samarbejdsaftale", region="oestdanmark",
                                  cluster=None))
    assert view.approvals_total == 47  # 46 councils + Region Østdanmark's regionsråd


def test_agreement_of_an_abolished_region_cannot_start_a_round(ctx, clock) -> None:
    view = new_agreement(ctx, Spec(kind="regional_samarbejdsaftale", region="sjaelland",
                                   cluster=None))
    view = advance_agreement(ctx, view.id, "send_til_ssu")
    clock.set(date(2027, 1, 4))
    with pytest.raises(GuardFailed, match="godkendende parter"):
        advance_agreement(ctx, view.id, "indstil_til_godkendelse")
