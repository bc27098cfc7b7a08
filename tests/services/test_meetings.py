"""Agendas drive the approval round: on the agenda -> sat på dagsorden; beslutning -> decision."""

from __future__ import annotations

from datetime import datetime

import pytest

from aftaleflow.config import TIMEZONE
from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.services.agreements.cases import get_agreement
from aftaleflow.services.meetings.agenda import (
    NewItem,
    add_item,
    create_meeting,
    decide_item,
    get_meeting,
)
from tests.factories import agreement_in_state

MEETING_AT = datetime(2026, 5, 20, 17, 0, tzinfo=TIMEZONE)


def _party(view, code_name: str):
    return next(a for a in view.approvals if code_name in a.body)


def test_agenda_item_for_an_agreement_is_drafted_from_the_agreement(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "kb-621", MEETING_AT, "Byrådssalen")
    item = add_item(ctx, meeting.id, NewItem(agreement_id=agreement.id))
    assert item.number == 1 and item.title == agreement.title
    assert item.case_number == agreement.kle_number
    assert item.case_handler == agreement.case_handler
    assert item.recommendations == ["at samarbejdsaftalen godkendes."]
    assert item.route == ["FAG", "ØKU", "KB"] and item.route_current == "KB"


def test_putting_an_agreement_on_the_agenda_marks_the_party_sat_paa_dagsorden(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "Kommunalbestyrelsen, Kolding Kommune", MEETING_AT, "Rådhuset")
    add_item(ctx, meeting.id, NewItem(agreement_id=agreement.id))
    kolding = _party(get_agreement(ctx, agreement.id), "Kolding")
    assert kolding.state == "sat_paa_dagsorden"
    assert kolding.meeting_date == MEETING_AT.date()


def test_beslutning_at_the_council_records_the_party_decision(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "kb-621", MEETING_AT, "Rådhuset")
    item = add_item(ctx, meeting.id, NewItem(agreement_id=agreement.id))
    decided = decide_item(ctx, item.id, "Indstillingen blev godkendt.", "godkendt")
    assert decided.decision_text == "Indstillingen blev godkendt."
    kolding = _party(get_agreement(ctx, agreement.id), "Kolding")
    assert kolding.state == "godkendt"
    assert kolding.protocol_ref and "pkt. 1" in kolding.protocol_ref


def test_rejection_at_the_council_sends_the_agreement_to_renegotiation(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "rr-syddanmark", MEETING_AT, "Regionshuset, Vejle")
    item = add_item(ctx, meeting.id, NewItem(agreement_id=agreement.id))
    decide_item(ctx, item.id, "Regionsrådet kunne ikke godkende aftalen.", "afvist")
    assert get_agreement(ctx, agreement.id).state == "genforhandling"


def test_committee_recommendation_is_text_only_and_not_the_party_decision(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "oeu-621", MEETING_AT, "Udvalgsværelse 1")
    item = add_item(ctx, meeting.id, NewItem(agreement_id=agreement.id))
    decide_item(ctx, item.id, "Indstilles til byrådets godkendelse.", "godkendt")
    assert _party(get_agreement(ctx, agreement.id), "Kolding").state == "sat_paa_dagsorden"


def test_free_standing_items_are_numbered_in_order(ctx) -> None:
    meeting = create_meeting(ctx, "kb-657", MEETING_AT, "B1.01")
    add_item(ctx, meeting.id, NewItem(title="Godkendelse af dagsorden"))
    add_item(ctx, meeting.id, NewItem(title="Personalesag", closed=True))
    items = get_meeting(ctx, meeting.id).items
    assert [(i.number, i.closed) for i in items] == [(1, False), (2, True)]


def test_bad_meeting_input_is_refused(ctx) -> None:
    with pytest.raises(NotFound, match="Ukendt organ"):
        create_meeting(ctx, "Byrådet i Malmö", MEETING_AT, "B1.01")
    with pytest.raises(ValidationFailed, match="findes ikke på mødedatoen"):
        create_meeting(ctx, "ssu-midtjylland", datetime(2027, 3, 1, tzinfo=TIMEZONE), "Viborg")
    meeting = create_meeting(ctx, "kb-657", MEETING_AT, "B1.01")
    with pytest.raises(ValidationFailed, match="kontroltegn"):
        add_item(ctx, meeting.id, NewItem(title="Punkt\x07"))
    with pytest.raises(ValidationFailed, match="ikke på ruten"):
        add_item(ctx, meeting.id, NewItem(title="Punkt", route=["DIR", "FOU"],
                                          route_current="BYR"))
