"""Documents from the database: registered with their hash, reproducible, checked on read."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from aftaleflow.config import TIMEZONE
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.documents.case_documents import (
    list_documents,
    read_document,
    render_agenda,
    render_letter,
)
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
from aftaleflow.services.meetings.agenda_documents import prepare_due_agendas
from tests.factories import agreement_in_state

MEETING_AT = datetime(2026, 5, 20, 17, 0, tzinfo=TIMEZONE)


def _text(path: str) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def _meeting_with_items(ctx):
    agreement = agreement_in_state(ctx, "i_godkendelse")
    meeting = create_meeting(ctx, "kb-621", MEETING_AT, "Byrådssalen")
    add_item(ctx, meeting.id, NewItem(agreement_id=agreement.id,
                                      account="Aftalen **styrker** samarbejdet."))
    add_item(ctx, meeting.id, NewItem(title="Personalesag", closed=True,
                                      account="Fortroligt: lønforhold for medarbejder X."))
    return agreement, meeting


def test_agenda_is_registered_with_the_hash_of_its_file_and_renders_identically(ctx) -> None:
    _agreement, meeting = _meeting_with_items(ctx)
    first = render_agenda(ctx, meeting.id)
    second = render_agenda(ctx, meeting.id)
    assert first.sha256 == second.sha256 and first.id == second.id
    assert hashlib.sha256(Path(first.path).read_bytes()).hexdigest() == first.sha256
    assert first.template == "dagsorden.html.j2" and first.template_version
    text = _text(first.path)
    assert "20. maj 2026" in text and "Børn og unge i mistrivsel" in text
    assert "Fortroligt" in text


def test_public_agenda_leaves_out_closed_items_text(ctx) -> None:
    _agreement, meeting = _meeting_with_items(ctx)
    public = render_agenda(ctx, meeting.id, public=True)
    text = _text(public.path)
    assert "Personalesag" in text and "Fortroligt" not in text
    assert public.kind == "dagsorden_offentlig"


def test_a_changed_file_is_refused_on_read(ctx) -> None:
    _agreement, meeting = _meeting_with_items(ctx)
    record = render_agenda(ctx, meeting.id)
    _, data = read_document(ctx, record.id)
    assert data[:5] == b"%PDF-"
    Path(record.path).write_bytes(data + b"%tampered")
    with pytest.raises(ValidationFailed, match="sha256"):
        read_document(ctx, record.id)


def test_letters_of_every_kind_from_an_agreement(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    cases = [("anmodning_om_godkendelse", "Kolding", "Anmodning om godkendelse"),
             ("rykker", "Vejle", "Rykker"),
             ("eskalering", "Vejle", "Eskalering")]
    for kind, party, heading in cases:
        record = render_letter(ctx, kind, agreement.id, party=party)
        assert heading in _text(record.path)
    record_decision(ctx, agreement.id, Decision(party="Kolding", decision="godkendt",
                                                meeting_date=date(2026, 4, 22)))
    approved = render_letter(ctx, "godkendelsesmeddelelse", agreement.id, party="Kolding")
    assert "22. april 2026" in _text(approved.path)
    after = agreement_in_state(ctx, "godkendt")
    impl = render_letter(ctx, "anmodning_om_implementering", after.id,
                         cluster="sundhedsklynge-lillebaelt")
    assert "Sundhedsklynge Lillebælt" in _text(impl.path)
    kinds = {d.kind for d in list_documents(ctx)}
    assert kinds >= {"anmodning_om_godkendelse", "rykker", "eskalering",
                     "godkendelsesmeddelelse", "anmodning_om_implementering"}


def test_rejection_letter_gives_the_reason(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    record_decision(ctx, agreement.id, Decision(party="Vejen", decision="afvist",
                                                comment="Økonomien er ikke afklaret"))
    letter = render_letter(ctx, "meddelelse_om_afslag", agreement.id, party="Vejen")
    assert "Økonomien er ikke afklaret" in _text(letter.path)


def test_letter_needs_its_party_or_cluster(ctx) -> None:
    agreement = agreement_in_state(ctx, "i_godkendelse")
    with pytest.raises(ValidationFailed, match="part"):
        render_letter(ctx, "rykker", agreement.id)
    with pytest.raises(ValidationFailed, match="Ukendt brevtype"):
        render_letter(ctx, "kærlighedsbrev", agreement.id, party="Vejle")


def test_due_agendas_are_prepared_once_when_the_send_deadline_nears(ctx) -> None:
    _agreement, meeting = _meeting_with_items(ctx)
    assert prepare_due_agendas(ctx, date(2026, 5, 4)) == []  # deadline 14 May: too early
    paths = prepare_due_agendas(ctx, date(2026, 5, 12))
    assert len(paths) == 2 and all(Path(p).exists() for p in paths)
    assert prepare_due_agendas(ctx, date(2026, 5, 13)) == []
    kinds = sorted(d.kind for d in list_documents(ctx, meeting_id=meeting.id))
    assert kinds == ["dagsorden", "dagsorden_offentlig"]


def test_item_after_the_agenda_deadline_needs_a_reason(ctx, clock) -> None:
    meeting = create_meeting(ctx, "kb-621", MEETING_AT, "Byrådssalen")
    clock.set(date(2026, 5, 18))
    with pytest.raises(ValidationFailed, match="begrundelse"):
        add_item(ctx, meeting.id, NewItem(title="Hastesag"))
    item = add_item(ctx, meeting.id, NewItem(
        title="Hastesag", late_reason="Fristen for ansøgning udløber inden næste møde."))
    record = render_agenda(ctx, meeting.id)
    assert "Fristen for ansøgning udløber" in _text(record.path)
    assert item.late_reason


def test_pdf_bytes_open_as_pdf_a_with_danish_language(ctx) -> None:
    import pikepdf

    _agreement, meeting = _meeting_with_items(ctx)
    _, data = read_document(ctx, render_agenda(ctx, meeting.id).id)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "3"
        assert str(pdf.Root.Lang) == "da"
