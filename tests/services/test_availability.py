"""Which actions hold now and why not; the forum step read from the rule valid on the day."""

from __future__ import annotations

from datetime import date

import pytest

from aftaleflow.domain.errors import GuardFailed
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement, history
from aftaleflow.services.structure.carryover import carry_over
from aftaleflow.services.uow import ServiceContext
from tests.conftest import dump
from tests.factories import MovableClock, Spec, new_agreement

HOVEDSTADEN = Spec(kind="regional_samarbejdsaftale", region="hovedstaden", cluster=None)
SJAELLAND_LOCAL = Spec(kind="lokal_aftale", region="sjaelland",
                       cluster="sundhedsklynge-suh-koege-roskilde")
REASON = ("ingen godkendende parter i stamdata 2027-02-01: Region Hovedstaden ophørte "
          "2026-12-31, efterfølger Region Østdanmark — kør overførslen "
          "(aftaleflow structure carry-over --on 2027-01-01)")


def test_action_whose_condition_fails_is_shown_with_the_reason_not_offered(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 12, 15))
    view = advance_agreement(ctx, new_agreement(ctx, HOVEDSTADEN).id, "send_til_ssu")
    assert "indstil_til_godkendelse" in view.allowed_triggers

    clock.set(date(2027, 2, 1))
    view = get_agreement(ctx, view.id)
    assert view.allowed_triggers == ["tilbage_til_udarbejdelse", "tilbagetraek"]
    blocked = next(a for a in view.actions if a.trigger == "indstil_til_godkendelse")
    assert not blocked.available and blocked.reason == REASON
    before = dump(ctx.engine)
    with pytest.raises(GuardFailed) as refused:
        advance_agreement(ctx, view.id, "indstil_til_godkendelse")
    assert REASON in refused.value.message
    assert "SSU" not in refused.value.message
    assert dump(ctx.engine) == before

    carry_over(ctx, date(2027, 1, 1))
    view = get_agreement(ctx, view.id)
    assert all(a.available for a in view.actions)
    assert advance_agreement(ctx, view.id, "indstil_til_godkendelse").approvals_total == 47


def test_forum_step_names_the_ssu_until_it_ceases_and_the_sundhedsraad_after(
        ctx: ServiceContext, clock: MovableClock) -> None:
    clock.set(date(2026, 12, 15))
    local = advance_agreement(ctx, new_agreement(ctx, SJAELLAND_LOCAL).id, "send_til_ssu")
    regional = advance_agreement(ctx, new_agreement(ctx, HOVEDSTADEN).id, "send_til_ssu")
    assert local.state_label == "Til behandling i SSU" and local.forum == "SSU"

    clock.set(date(2027, 1, 4))
    carry_over(ctx, date(2027, 1, 1))
    local = get_agreement(ctx, local.id)
    forum = "Sundhedsråd Østsjælland og Øerne (foreløbig)"
    assert local.forum == forum
    assert local.state_label == f"Til behandling i {forum}"
    labels = {a.trigger: a.label for a in local.actions}
    assert labels["indstil_til_godkendelse"] == f"{forum} indstiller aftalen til godkendelse"
    regional = get_agreement(ctx, regional.id)
    assert regional.state_label == "Til behandling i forum (ikke fastlagt i stamdata) (foreløbig)"
    assert not any("SSU" in a.label for a in [*local.actions, *regional.actions])

    # History: the December step named the SSU; a step in 2027 names the sundhedsråd.
    local = advance_agreement(ctx, local.id, "tilbage_til_udarbejdelse")
    local = advance_agreement(ctx, local.id, "send_til_ssu")
    sent = [e for e in history(ctx, local.id) if e.trigger == "send_til_ssu"]
    assert [e.forum for e in sent] == [None, forum]


def test_round_letters_name_the_forum_of_the_day_not_the_ssu(ctx: ServiceContext,
                                                             clock: MovableClock) -> None:
    from sqlmodel import Session, select

    from aftaleflow.domain.outbox import OutboxMessage
    from aftaleflow.services.mail.reminders import enqueue_round_letters

    clock.set(date(2026, 12, 15))
    december = advance_agreement(ctx, new_agreement(ctx, SJAELLAND_LOCAL).id, "send_til_ssu")
    december = advance_agreement(ctx, december.id, "indstil_til_godkendelse")
    enqueue_round_letters(ctx)
    clock.set(date(2027, 1, 4))
    carry_over(ctx, date(2027, 1, 1))
    local = advance_agreement(ctx, new_agreement(ctx, Spec(
        kind="lokal_aftale", region="oestdanmark",
        cluster="sundhedsraad-oestsjaelland-og-oeerne")).id, "send_til_ssu")
    local = advance_agreement(ctx, local.id, "indstil_til_godkendelse")
    regional = advance_agreement(ctx, new_agreement(ctx, Spec(
        kind="regional_samarbejdsaftale", region="oestdanmark", cluster=None)).id, "send_til_ssu")
    regional = advance_agreement(ctx, regional.id, "indstil_til_godkendelse")
    enqueue_round_letters(ctx)
    with Session(ctx.engine) as session:
        bodies = {(m.agreement_id, m.body.split("\n")[2]) for m in session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "anmodning_om_godkendelse"))
            if m.key.startswith("anmodning_om_godkendelse:")}  # not the carry-over's request
    openings = {agreement_id: text for agreement_id, text in bodies}
    assert len(bodies) == 3  # one opening per agreement, the same to every party
    assert openings[december.id].startswith("Sundhedssamarbejdsudvalget har indstillet")
    assert openings[local.id].startswith(
        "Sundhedsråd Østsjælland og Øerne (foreløbig) har indstillet samarbejdsaftalen")
    assert openings[regional.id].startswith("Samarbejdsaftalen 'Børn og unge i mistrivsel' "
                                            "(version 1) er sendt til godkendelse")
