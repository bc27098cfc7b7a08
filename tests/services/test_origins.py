"""Origins are master data with validity dates: after the SSU ceased, no agreement is offered
or given "Bestilling fra SSU" (issue 20, rule 5)."""

from __future__ import annotations

from datetime import date

import pytest

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.services.agreements.cases import NewAgreement, create_agreement
from aftaleflow.services.structure.origins import valid_origins
from aftaleflow.services.uow import ServiceContext
from tests.conftest import dump
from tests.factories import MovableClock, Spec, new_agreement

DECEMBER = date(2026, 12, 15)
JANUARY = date(2027, 1, 4)


def _new(ctx: ServiceContext, origin: str | None, cluster: str | None = None,
         kind: str = "regional_samarbejdsaftale") -> NewAgreement:
    return NewAgreement(title="Udgående teams", kind=kind, origin=origin, region="syddanmark",
                        origin_cluster=cluster, kle_number="29.30.08-P27-1-27",
                        case_handler="Ane Holm")


def test_the_ssu_commission_is_offered_until_the_ssu_ceases_and_not_after(
        ctx: ServiceContext) -> None:
    december = valid_origins(ctx, DECEMBER)
    assert [(o.key, o.default) for o in december] == [("ssu_bestilling", True),
                                                      ("proevehandling", False)]
    january = valid_origins(ctx, JANUARY)
    assert [(o.key, o.shown, o.default) for o in january] == [
        ("droeftelse_i_sundhedsraad", "Drøftelse i sundhedsrådet (foreløbig)", True),
        ("proevehandling_i_sundhedsraad", "Prøvehandling i sundhedsrådets område (foreløbig)",
         False)]
    assert all("SSU" not in o.label for o in january)


def test_an_agreement_created_in_2027_gets_the_day_s_default_not_the_ssu(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(DECEMBER)
    assert new_agreement(ctx, Spec()).origin_label == "Bestilling fra SSU"
    clock.set(JANUARY)
    view = create_agreement(ctx, _new(ctx, None))
    assert (view.origin, view.origin_label, view.state) == (
        "droeftelse_i_sundhedsraad", "Drøftelse i sundhedsrådet", "under_udarbejdelse")


def test_naming_the_ssu_commission_in_2027_is_refused_with_the_valid_origins(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(JANUARY)
    before = dump(ctx.engine)
    with pytest.raises(ValidationFailed) as refused:
        create_agreement(ctx, _new(ctx, "ssu_bestilling"))
    assert refused.value.message == (
        "Oprindelsen 'Bestilling fra SSU' (ssu_bestilling) gælder kun til 2026-12-31. "
        "Gyldige oprindelser 2027-01-04: droeftelse_i_sundhedsraad (Drøftelse i sundhedsrådet "
        "(foreløbig)), proevehandling_i_sundhedsraad (Prøvehandling i sundhedsrådets område "
        "(foreløbig)).")
    assert dump(ctx.engine) == before


def test_a_2027_trial_naming_a_ceased_cluster_is_told_who_took_over(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(JANUARY)
    with pytest.raises(ValidationFailed) as refused:
        create_agreement(ctx, _new(ctx, "proevehandling_i_sundhedsraad",
                                   "sundhedsklynge-lillebaelt"))
    assert ("Sundhedsklynge Lillebælt ophørte 2026-12-31, efterfølgere Sundhedsråd Lillebælt "
            "og Sundhedsråd Sydvestjylland") in refused.value.message
    view = create_agreement(ctx, _new(ctx, "proevehandling_i_sundhedsraad",
                                      "sundhedsraad-lillebaelt"))
    assert view.state == "proevehandling"
    assert view.origin_label == "Prøvehandling i sundhedsrådets område"


def test_a_2027_origin_is_not_given_before_it_begins(ctx: ServiceContext,
                                                     clock: MovableClock) -> None:
    clock.set(DECEMBER)
    with pytest.raises(ValidationFailed, match="'Drøftelse i sundhedsrådet' "
                       r"\(droeftelse_i_sundhedsraad\) gælder først fra 2027-01-01"):
        create_agreement(ctx, _new(ctx, "droeftelse_i_sundhedsraad"))
