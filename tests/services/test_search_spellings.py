"""Search knows Danish spellings (aa/å, ae/æ, oe/ø in every word, both ways) and ranks by one
rule on SQLite and PostgreSQL alike: words in the title first, then agreements before agenda
items before documents, then the newest first. The expected orders below are exact, so the
PostgreSQL run of the suite proves both backends give the same hits in the same order."""

from __future__ import annotations

import pytest

from aftaleflow.domain.search import fold, stems
from aftaleflow.services.agreements.cases import NewAgreement, create_agreement
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.reading.search import search
from aftaleflow.services.uow import ServiceContext
from tests.cli.test_cli import env_for, run
from tests.services.test_meetings import MEETING_AT


def _agreement(ctx: ServiceContext, title: str, description: str = "") -> int:
    return create_agreement(ctx, NewAgreement(
        title=title, kind="regional_samarbejdsaftale", origin="ssu_bestilling",
        region="syddanmark", kle_number="29.30.08-P27-1-26", case_handler="Ane Holm",
        description=description)).id


def _titles(ctx: ServiceContext, query: str) -> list[str]:
    return [h.title for h in search(ctx, query)]


def test_folding_writes_the_danish_letters_as_their_two_letter_spellings() -> None:
    assert fold("Århus Åbenrå Næstved Køge") == "aarhus aabenraa naestved koege"
    assert stems("Aarhus") == stems("Århus") and stems("Aabenraas") == stems("Åbenrås")
    assert stems("Sønderborgs") == stems("Soenderborgs")


@pytest.mark.parametrize(("written", "searched"), [
    ("Akutfunktion i Århus", "Aarhus"), ("Akutfunktion i Aarhus", "Århus"),
    ("Fælles akutmodtagelse i Åbenrå", "aabenraa"), ("Sygehus Aabenraa", "Åbenrå"),
    ("Plejecenter i Næstved", "Naestved"), ("Praksis i Naestved", "næstved"),
    ("Hjemmepleje i Køge", "Koege"), ("Sundhedshus i Soenderborg", "Sønderborg"),
    ("Genoptræning efter lårbensbrud", "laarbensbrud"),
])
def test_either_spelling_finds_the_other(ctx, written, searched) -> None:
    _agreement(ctx, written)
    _agreement(ctx, "Børn og unge i mistrivsel")
    assert _titles(ctx, searched) == [written]


def test_one_ranking_rule_with_a_stable_tie_break(ctx) -> None:
    first = _agreement(ctx, "Udskrivelse fra sygehus")
    _agreement(ctx, "Genoptræning", "Efter udskrivelsen følger genoptræning i kommunen.")
    _agreement(ctx, "Den gode udskrivelse")
    meeting = create_meeting(ctx, "kb-621", MEETING_AT, "Byrådssalen")
    add_item(ctx, meeting.id, NewItem(title="Orientering", account="Udskrivelsen af patienter."))
    add_item(ctx, meeting.id, NewItem(title="Udskrivelser i 2027", account="Status."))
    expected = ["Den gode udskrivelse", "Udskrivelse fra sygehus",  # title, agreements, newest
                "Udskrivelser i 2027",  # title, agenda item
                "Genoptræning", "Orientering"]  # text only: agreement, then agenda item
    assert _titles(ctx, "udskrivelsen") == expected
    assert _titles(ctx, "Udskrivelse") == expected
    assert search(ctx, "udskrivelsen")[1].agreement_id == first


def test_cli_search_aarhus_and_aarhus_with_aa_letter_give_the_same_agreements(
        ctx, db_url) -> None:
    _agreement(ctx, "Akutfunktion i Århus")
    _agreement(ctx, "Aarhus Universitetshospital og kommunerne")
    _agreement(ctx, "Børn og unge i mistrivsel")
    outputs = []
    for query in ("Aarhus", "Århus"):
        result = run(["search", query], env_for(db_url))
        assert result.returncode == 0, result.stderr
        outputs.append([line for line in result.stdout.splitlines()
                        if line.startswith("Samarbejdsaftale")])
    assert outputs[0] == outputs[1] and len(outputs[0]) == 2
    assert "Aarhus Universitetshospital" in outputs[0][0]  # the newer of two title hits first
    assert "Akutfunktion i Århus" in outputs[0][1]
