"""Text versions per round, the word-by-word diff, and "Ændringer siden runde N" on paper."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pypdf import PdfReader

from aftaleflow.config import TIMEZONE
from aftaleflow.domain.errors import ActionRefused, NotFound, ValidationFailed
from aftaleflow.domain.textdiff import TextSnapshot, compare, word_diff
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.agreements.texts import TextRevision, diff_texts, list_texts, revise_text
from aftaleflow.services.documents.case_documents import render_agenda_item, render_letter
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from tests.conftest import dump
from tests.documents.pdftext import normalise
from tests.factories import agreement_in_state, new_agreement

ROUND_1_TEXT = "Kommunen følger op inden for tre hverdage efter udskrivelsen."
ROUND_2_TEXT = "Kommunen følger op inden for to hverdage efter udskrivelsen med en plan."


def _pdf_text(path: str) -> str:
    return normalise("\n".join(p.extract_text() for p in PdfReader(path).pages))


def renegotiated(ctx, clock):
    """An agreement rejected in round 1, revised, and sent out again in round 2."""
    view = new_agreement(ctx)
    revise_text(ctx, view.id, TextRevision(body=ROUND_1_TEXT, attachments=["Bilag 1: Flow"]))
    advance_agreement(ctx, view.id, "send_til_ssu")
    advance_agreement(ctx, view.id, "indstil_til_godkendelse")
    from aftaleflow.services.agreements.approvals import Decision, record_decision

    record_decision(ctx, view.id, Decision(party="Vejle", decision="afvist",
                                           comment="Fristen er for lang."))
    clock.tick(14)
    revise_text(ctx, view.id, TextRevision(
        title="Børn og unge i mistrivsel og deres familier", body=ROUND_2_TEXT,
        attachments=["Bilag 1: Flow", "Bilag 2: Tjekliste"], comment="Efter Vejles afslag"))
    advance_agreement(ctx, view.id, "send_til_ssu")
    return advance_agreement(ctx, view.id, "indstil_til_godkendelse")


def test_word_diff_shows_whole_words_inserted_and_deleted() -> None:
    segments = word_diff("tre hverdage efter udskrivelsen.", "to hverdage efter udskrivelsen.")
    assert [(s.kind, s.text) for s in segments] == [
        ("slettet", "tre"), ("indsat", "to"), ("uaendret", " hverdage efter udskrivelsen.")]


def test_attachments_are_compared_as_a_list() -> None:
    bilag = compare(TextSnapshot("T", "", "", ["A", "B"]),
                    TextSnapshot("T", "", "", ["A", "C"]))[-1]
    assert bilag.changed
    assert [(s.kind, s.text) for s in bilag.segments] == [
        ("uaendret", "A\n"), ("slettet", "B\n"), ("indsat", "C\n")]


def test_every_round_keeps_its_text_with_round_and_date(ctx, clock) -> None:
    view = renegotiated(ctx, clock)
    assert view.round_no == 2 and view.text_version == 2
    first, second = list_texts(ctx, view.id)
    assert (first.version_no, first.round_no, first.sent_on) == (1, 1, date(2026, 3, 2))
    assert (second.version_no, second.round_no, second.sent_on) == (2, 2, date(2026, 3, 16))
    assert first.body == ROUND_1_TEXT and first.title == "Børn og unge i mistrivsel"
    assert second.body == ROUND_2_TEXT and second.attachments[-1] == "Bilag 2: Tjekliste"


def test_a_round_without_edits_goes_out_with_the_same_text_as_a_new_version(ctx) -> None:
    view = agreement_in_state(ctx, "genforhandling")
    advance_agreement(ctx, view.id, "send_til_ssu")
    view = advance_agreement(ctx, view.id, "indstil_til_godkendelse")
    texts = list_texts(ctx, view.id)
    assert [(t.version_no, t.round_no) for t in texts] == [(1, 1), (2, 2)]
    assert not diff_texts(ctx, view.id, 1, 2).changed


def test_diff_between_rounds_names_each_changed_field(ctx, clock) -> None:
    view = renegotiated(ctx, clock)
    diff = diff_texts(ctx, view.id, 1, 2)
    changed = {f.field: f for f in diff.fields if f.changed}
    assert set(changed) == {"title", "body", "attachments"}
    body = [(s.kind, s.text) for s in changed["body"].segments]
    assert ("slettet", "tre") in body and ("indsat", "to") in body
    assert ("indsat", " med en plan") in body
    assert diff_texts(ctx, view.id) == diff  # default: the newest against the one before


def test_text_cannot_change_while_the_councils_decide(ctx, engine) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    before = dump(engine)
    with pytest.raises(ActionRefused, match="I godkendelse") as caught:
        revise_text(ctx, view.id, TextRevision(body="Ny tekst"))
    assert caught.value.exit_code == 5
    assert dump(engine) == before


def test_unknown_version_is_refused_in_danish(ctx) -> None:
    view = new_agreement(ctx)
    with pytest.raises(NotFound, match=r"ingen tekstversion 7\. Versioner: 1"):
        diff_texts(ctx, view.id, 1, 7)
    with pytest.raises(ValidationFailed, match="Ingen ændringer"):
        revise_text(ctx, view.id, TextRevision(title=view.title))


def test_round_two_agenda_item_contains_the_changes_from_round_one(ctx, clock) -> None:
    view = renegotiated(ctx, clock)
    meeting = create_meeting(ctx, "kb-630", datetime(2026, 4, 20, 17, 0, tzinfo=TIMEZONE),
                             "Byrådssalen")
    item = add_item(ctx, meeting.id, NewItem(agreement_id=view.id))
    text = _pdf_text(render_agenda_item(ctx, item.id).path)
    section = text[text.index("Ændringer siden runde 1"):text.index("Indstilling")]
    assert "Titel" in section and "og deres familier" in section
    assert "tre to hverdage" in section  # the deleted word, then the inserted one
    assert "med en plan" in section and "Bilag 2: Tjekliste" in section
    assert "Tilføjet tekst er understreget" in section


def test_round_one_agenda_item_has_no_changes_section(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "kb-630", datetime(2026, 4, 20, 17, 0, tzinfo=TIMEZONE),
                             "Byrådssalen")
    item = add_item(ctx, meeting.id, NewItem(agreement_id=view.id))
    assert "Ændringer siden runde" not in _pdf_text(render_agenda_item(ctx, item.id).path)


def test_round_two_request_letter_carries_the_changes(ctx, clock) -> None:
    view = renegotiated(ctx, clock)
    text = _pdf_text(render_letter(ctx, "anmodning_om_godkendelse", view.id,
                                   party="Vejle").path)
    assert "Ændringer siden runde 1" in text and "med en plan" in text


def test_existing_agreements_get_their_current_text_when_the_migration_runs(ctx, engine
                                                                            ) -> None:
    from alembic.script import ScriptDirectory

    from aftaleflow import db

    view = agreement_in_state(ctx, "i_godkendelse")
    before = ScriptDirectory.from_config(db.alembic_config()).get_revision(
        "20261201_i16a").down_revision
    db.downgrade(engine, str(before))  # as before this migration: no text versions
    db.upgrade(engine)
    (text,) = list_texts(ctx, view.id)
    assert (text.version_no, text.round_no, text.title) == (1, 1, view.title)


def test_round_two_request_mail_carries_the_changes_in_its_letter(ctx, clock) -> None:
    import io

    from aftaleflow.services.mail.mailing import send_outbox
    from aftaleflow.services.mail.reminders import enqueue_round_letters

    class Recorder:
        def __init__(self) -> None:
            self.mails: list = []

        def send(self, mail) -> None:
            self.mails.append(mail)

    view = renegotiated(ctx, clock)
    enqueue_round_letters(ctx)
    recorder = Recorder()
    send_outbox(ctx, transport=recorder)
    vejle = next(m for m in recorder.mails if m.recipients == ("kb-630@aftaleflow.test",))
    letter = next(a for a in vejle.attachments
                  if a.filename.startswith("anmodning_om_godkendelse"))
    pages = PdfReader(io.BytesIO(letter.content)).pages
    text = normalise("\n".join(p.extract_text() for p in pages))
    assert f"'{view.title}' (version 2)" in vejle.body
    assert "Ændringer siden runde 1" in text and "med en plan" in text
