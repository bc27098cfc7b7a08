"""Agreement kinds of 2027 with chosen parties, and parties marked 'foreløbig'/'omstridt'."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from aftaleflow.config import TIMEZONE
from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.model import Body
from aftaleflow.services.agreements.cases import (
    NewAgreement,
    advance_agreement,
    create_agreement,
    get_agreement,
)
from aftaleflow.services.documents.case_documents import render_letter
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView
from tests.documents.pdftext import full_text
from tests.factories import Spec, new_agreement

FEBRUARY_2027 = date(2027, 2, 1)
TO_ROUND = ("send_til_ssu", "indstil_til_godkendelse")


def chosen(ctx, kind: str, region: str, parties: list[str]) -> AgreementView:
    return create_agreement(ctx, NewAgreement(
        title="Fælles akutfunktion", kind=kind, origin="ssu_bestilling", region=region,
        kle_number="29.30.08-P27-2-27", case_handler="Ane Holm", parties=parties))


def in_round(ctx, view: AgreementView) -> AgreementView:
    for trigger in TO_ROUND:
        view = advance_agreement(ctx, view.id, trigger)
    return view


@pytest.mark.parametrize("kind", ["horisontal_samarbejdsaftale", "medfinansieringsaftale"])
def test_parties_are_the_region_and_the_named_municipalities(ctx, clock, kind) -> None:
    clock.set(FEBRUARY_2027)
    view = in_round(ctx, chosen(ctx, kind, "oestdanmark", ["Køge", "265"]))
    assert view.chosen_parties == ["Køge", "Roskilde"]
    assert sorted(a.body for a in view.approvals) == [
        "Kommunalbestyrelsen, Køge Kommune", "Kommunalbestyrelsen, Roskilde Kommune",
        "Regionsrådet, Region Østdanmark"]
    # the rule of 2027 is not public yet: every party is marked, with the rule's source
    assert {a.certainty_label for a in view.approvals} == {"foreløbig"}
    assert all("§ 118" in (a.certainty_source or "") for a in view.approvals)


def test_a_municipality_outside_the_region_that_day_is_refused(ctx, clock) -> None:
    clock.set(FEBRUARY_2027)
    with pytest.raises(ValidationFailed, match=re.escape(
            "Odense Kommune hører ikke til Region Østdanmark 2027-02-01. Kommuner i "
            "regionen: Albertslund, Allerød")):
        chosen(ctx, "horisontal_samarbejdsaftale", "oestdanmark", ["Køge", "Odense"])


def test_a_kind_with_chosen_parties_needs_a_municipality(ctx, clock) -> None:
    clock.set(FEBRUARY_2027)
    with pytest.raises(ValidationFailed, match="skal have mindst én kommune som part"):
        chosen(ctx, "medfinansieringsaftale", "syddanmark", [])


def test_the_kinds_of_2027_are_refused_before_their_rule_applies(ctx, clock) -> None:
    clock.set(date(2026, 12, 15))
    with pytest.raises(ValidationFailed, match=r"ingen godkendelsesregel for Horisontal "
                                               r".* gældende 2026-12-15; reglen gælder fra "
                                               r"2027-01-01"):
        chosen(ctx, "horisontal_samarbejdsaftale", "syddanmark", ["Vejle"])


def test_a_kind_with_parties_from_master_data_refuses_named_ones(ctx) -> None:
    with pytest.raises(ValidationFailed, match="har sine parter fra stamdata"):
        chosen(ctx, "regional_samarbejdsaftale", "syddanmark", ["Vejle"])


def test_a_disputed_membership_marks_its_council_omstridt_with_the_source(ctx, clock) -> None:
    clock.set(FEBRUARY_2027)
    view = in_round(ctx, new_agreement(ctx, Spec(cluster="sundhedsraad-lillebaelt")))
    marks = {a.body: (a.certainty_label, a.certainty_source) for a in view.approvals}
    label, source = marks["Kommunalbestyrelsen, Middelfart Kommune"]
    assert label == "omstridt" and source and "Sundhedsråd Fyn" in source
    assert "godkendelsesreglen er ikke bekræftet" in source  # both reasons are named
    assert marks["Kommunalbestyrelsen, Vejle Kommune"][0] == "foreløbig"
    assert get_agreement(ctx, view.id).approvals == view.approvals


def test_confirmed_data_marks_no_party(ctx) -> None:
    view = in_round(ctx, new_agreement(ctx))  # Lillebælt 2026: confirmed rule and members
    assert view.approvals and not any(a.certainty for a in view.approvals)


def test_the_draft_agenda_item_lists_the_parties_with_their_marks(ctx, clock) -> None:
    clock.set(FEBRUARY_2027)
    view = in_round(ctx, new_agreement(ctx, Spec(cluster="sundhedsraad-lillebaelt")))
    meeting = create_meeting(ctx, "kb-410", datetime(2027, 3, 2, 17, tzinfo=TIMEZONE),
                             "Rådhuset")
    item = add_item(ctx, meeting.id, NewItem(agreement_id=view.id))
    assert "godkendes i runde 1 af disse 5 parter" in item.account
    assert "- Kommunalbestyrelsen, Middelfart Kommune – *omstridt*: medlemskab: " in item.account


def test_the_escalation_letter_marks_the_disputed_party(ctx, clock) -> None:
    clock.set(FEBRUARY_2027)
    view = in_round(ctx, new_agreement(ctx, Spec(cluster="sundhedsraad-lillebaelt")))
    record = render_letter(ctx, "eskalering", view.id, party="Middelfart")
    text = full_text(Path(record.path).read_bytes())
    assert ("Kommunalbestyrelsen, Middelfart Kommune omstridt: medlemskab: det offentlige "
            "datasæts kommuneliste") in text


def test_a_named_municipality_sees_the_agreement_and_another_does_not(ctx, clock,
                                                                      engine) -> None:
    clock.set(FEBRUARY_2027)
    view = chosen(ctx, "horisontal_samarbejdsaftale", "oestdanmark", ["Køge"])
    with Session(engine) as s:
        bodies = {b.key: b.id for b in s.exec(select(Body).where(
            col(Body.key).in_(["kb-259", "kb-265"])))}

    def as_party(key: str) -> ServiceContext:
        return replace(ctx, principal=Principal(name=key, role=Role.PARTY, body_id=bodies[key]))

    assert get_agreement(as_party("kb-259"), view.id).id == view.id  # Køge
    with pytest.raises(NotFound):
        get_agreement(as_party("kb-265"), view.id)  # Roskilde, not named
