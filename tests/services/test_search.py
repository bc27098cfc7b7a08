"""Danish full-text search: inflections, æ/ø/å kept, agenda items and documents included."""

from __future__ import annotations

from aftaleflow.domain.access import Principal, Role
from aftaleflow.services.documents.case_documents import render_letter
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.reading.search import reindex, search
from aftaleflow.services.uow import ServiceContext
from tests.factories import Spec, agreement_in_state, new_agreement
from tests.services.test_meetings import MEETING_AT


def _titles(hits) -> list[str]:
    return [h.title for h in hits]


def test_udskrivelse_finds_the_agreement_in_any_inflection(ctx) -> None:
    new_agreement(ctx, Spec(title="Den gode indlæggelse og udskrivelse",
                            kind="regional_samarbejdsaftale", cluster=None))
    new_agreement(ctx, Spec(title="Børn og unge i mistrivsel"))
    for query in ("udskrivelse", "udskrivelsen", "Udskrivelser", "god indlæggelse"):
        assert _titles(search(ctx, query)) == ["Den gode indlæggelse og udskrivelse"], query
    assert _titles(search(ctx, "børn")) == ["Børn og unge i mistrivsel"]
    assert _titles(search(ctx, "børnene")) == ["Børn og unge i mistrivsel"]


def test_the_letters_aeoeaa_are_kept(ctx) -> None:
    new_agreement(ctx, Spec(title="Akutfunktion i Århus", kind="regional_samarbejdsaftale",
                            region="midtjylland", cluster=None))
    assert _titles(search(ctx, "århus")) == ["Akutfunktion i Århus"]
    assert search(ctx, "arhus") == []


def test_agenda_items_and_documents_are_found_by_their_text(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "kb-621", MEETING_AT, "Byrådssalen")
    add_item(ctx, meeting.id, NewItem(title="Orientering", account="Status på hjemmeplejen."))
    render_letter(ctx, "rykker", agreement.id, party="Vejle",
                  message="Husk tilbagemelding om tandplejen.")
    kinds = {h.kind for h in search(ctx, "hjemmeplejen")}
    assert kinds == {"agenda_item"}
    letter = search(ctx, "tandplejen")
    assert [h.kind for h in letter] == ["document"] and letter[0].agreement_id == agreement.id


def test_title_matches_rank_before_text_matches(ctx) -> None:
    new_agreement(ctx, Spec(title="Demens og pleje", kind="regional_samarbejdsaftale",
                            cluster=None))
    new_agreement(ctx, Spec(title="Genoptræning", kind="regional_samarbejdsaftale",
                            cluster=None))
    # a third agreement mentions demens only in its description
    from aftaleflow.services.agreements.cases import NewAgreement, create_agreement

    create_agreement(ctx, NewAgreement(
        title="Opfølgning efter udskrivning", kind="regional_samarbejdsaftale",
        origin="ssu_bestilling", region="syddanmark", kle_number="29.30.08-P27-1-26",
        case_handler="Ane Holm", description="Gælder også borgere med demens."))
    assert _titles(search(ctx, "demens"))[0] == "Demens og pleje"


def test_a_part_finds_only_agreements_that_concern_it(ctx, engine, clock) -> None:
    new_agreement(ctx, Spec(title="Udgående teams i Syd", kind="regional_samarbejdsaftale",
                            cluster=None))
    new_agreement(ctx, Spec(title="Udgående teams i Midt", kind="regional_samarbejdsaftale",
                            region="midtjylland", cluster=None))
    herning = ServiceContext(engine=engine, actor="part", clock=clock,
                             principal=Principal(name="Herning", role=Role.PARTY,
                                                 body_id=_body_id(engine, "kb-657")))
    assert _titles(search(herning, "udgående teams")) == ["Udgående teams i Midt"]


def test_reindex_rebuilds_everything(ctx) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    assert reindex(ctx) >= 1
    assert _titles(search(ctx, "mistrivsel")) == ["Børn og unge i mistrivsel"]


def _body_id(engine, key: str) -> int:
    from sqlmodel import Session, select

    from aftaleflow.domain.model import Body

    with Session(engine) as s:
        body = s.exec(select(Body).where(Body.key == key)).one()
        assert body.id is not None
        return body.id
