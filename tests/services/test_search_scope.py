"""What a part (a council's login) may find: its own items, drafts and letters and the texts
common to the agreements that concern it, never another council's."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.meetings import AgendaItem, Meeting, StoredDocument
from aftaleflow.domain.model import Body
from aftaleflow.services.documents.case_documents import approval_request, render_letter
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.reading.search import SearchHit, reindex, search
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock, agreement_in_state
from tests.services.test_meetings import MEETING_AT


def part_ctx(engine: Engine, clock: MovableClock, body_key: str) -> ServiceContext:
    with Session(engine) as s:
        body_id = s.exec(select(Body.id).where(Body.key == body_key)).one()
    return ServiceContext(engine=engine, actor="part", clock=clock,
                          principal=Principal(name=body_key, role=Role.PARTY, body_id=body_id))


def owned_by(engine: Engine, body_key: str) -> set[tuple[str, int]]:
    """(kind, id) of a body's agenda items and of the documents addressed to it, read from
    the tables (not from the index under test)."""
    with Session(engine) as s:
        body_id = s.exec(select(Body.id).where(Body.key == body_key)).one()
        items = s.exec(select(AgendaItem.id).join(Meeting).where(Meeting.body_id == body_id))
        documents = s.exec(select(StoredDocument.id).where(
            StoredDocument.recipient_body_id == body_id))
        return ({("agenda_item", i) for i in items if i is not None}
                | {("document", d) for d in documents if d is not None})


def refs(hits: list[SearchHit]) -> set[tuple[str, int]]:
    return {(h.kind, h.ref_id) for h in hits}


def _where(hits: list[SearchHit]) -> set[tuple[str, str]]:
    return {(h.kind, h.title) for h in hits}


def seed_two_councils(ctx: ServiceContext) -> int:
    """The Lillebælt agreement in godkendelse: Vejle and Kolding each put it on an agenda
    with a text of their own, and each gets its request letter and draft."""
    agreement = agreement_in_state(ctx, "i_godkendelse")
    for key, town, coast in (("kb-630", "Vejle", "østkysten"),
                             ("kb-621", "Kolding", "vestkysten")):
        meeting = create_meeting(ctx, key, MEETING_AT, f"Byrådssalen, {town}")
        add_item(ctx, meeting.id, NewItem(
            agreement_id=agreement.id, summary=f"Ventelister til genoptræning på {coast}."))
        add_item(ctx, meeting.id, NewItem(title=f"Lukket punkt om ventelister på {coast}",
                                          closed=True))
        approval_request(ctx, agreement.id, town)
    render_letter(ctx, "rykker", agreement.id, party="Kolding",
                  message="Svaret om vestkysten mangler.")
    return agreement.id


KOLDING_WORDS = ("ventelister", "vestkysten", "Kolding", "mistrivsel", "dagsordenpunkt")


def test_a_part_never_finds_another_councils_items_drafts_or_letters(ctx, engine,
                                                                     clock) -> None:
    seed_two_councils(ctx)
    vejle = part_ctx(engine, clock, "kb-630")
    kolding = owned_by(engine, "kb-621")
    assert len(kolding) == 6  # two items; request letter, draft as PDF and .docx; reminder
    for query in KOLDING_WORDS:
        assert not refs(search(vejle, query)) & kolding, query
    assert refs(search(vejle, "ventelister")) == owned_by(engine, "kb-630") - {
        r for r in owned_by(engine, "kb-630") if r[0] == "document"}  # its own two items
    assert search(part_ctx(engine, clock, "kb-621"), "østkysten") == []


def test_staff_still_find_every_councils_texts(ctx, engine) -> None:
    seed_two_councils(ctx)
    kolding = owned_by(engine, "kb-621")
    assert {h.kind for h in search(ctx, "vestkysten")} == {"agenda_item", "document"}
    assert refs(search(ctx, "vestkysten")) <= kolding
    assert {r for r in kolding if r[0] == "document"} <= refs(search(ctx, "Kolding"))


def test_a_part_finds_its_own_items_drafts_and_the_agreement(ctx, engine, clock) -> None:
    seed_two_councils(ctx)
    vejle = part_ctx(engine, clock, "kb-630")
    own = owned_by(engine, "kb-630")
    assert {r for r in own if r[0] == "document"} <= refs(search(vejle, "Vejle"))
    assert ("agreement", 1) in refs(search(vejle, "mistrivsel"))
    assert search(part_ctx(engine, clock, "kb-410"), "mistrivsel")  # another party: common


def test_a_party_finds_the_items_of_its_committees_too(ctx, engine, clock) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    for key, title in (("oeu-630", "Budget for genoptræning"),
                       ("fu-syddanmark", "Regionens budget for genoptræning")):
        committee = create_meeting(ctx, key, MEETING_AT, "Mødelokale 1")
        add_item(ctx, committee.id, NewItem(title=title, agreement_id=agreement.id))
    assert _where(search(part_ctx(engine, clock, "kb-630"), "budget")) == {
        ("agenda_item", "Budget for genoptræning")}
    assert _where(search(part_ctx(engine, clock, "rr-syddanmark"), "budget")) == {
        ("agenda_item", "Regionens budget for genoptræning")}
    assert search(part_ctx(engine, clock, "kb-621"), "budget") == []


def test_reindex_keeps_the_owners(ctx, engine, clock) -> None:
    seed_two_councils(ctx)
    reindex(ctx)
    vejle = part_ctx(engine, clock, "kb-630")
    for query in KOLDING_WORDS:
        assert not refs(search(vejle, query)) & owned_by(engine, "kb-621"), query


def test_a_part_gets_its_full_page_of_hits_behind_many_that_do_not_concern_it(
        ctx, engine, clock) -> None:
    """Rows of agreements that do not concern a part are dropped after the query; the
    search reads on until the page is full."""
    from tests.factories import TRIAL_GOEDSTRUP, Spec, new_agreement

    for n in range(12):  # Midtjylland: nothing for Vejle, and indexed first
        new_agreement(ctx, Spec(**{**TRIAL_GOEDSTRUP.__dict__, "title": f"Demensindsats {n}"}))
    mine = {new_agreement(ctx, Spec(title=f"Demensindsats på Vejle-egnen {n}")).id
            for n in range(4)}
    vejle = part_ctx(engine, clock, "kb-630")
    hits = search(vejle, "demensindsats", limit=3)
    assert len(hits) == 3 and {h.agreement_id for h in hits} <= mine
    assert {h.agreement_id for h in search(vejle, "demensindsats")} == mine
    assert len(search(ctx, "demensindsats", limit=3)) == 3  # staff: the first three of all
