"""Agenda item, agenda and protocol read like seed 004, with a table of contents that points
at the right pages."""

from __future__ import annotations

import re

import pytest

from aftaleflow.documents.prepare import agenda_document
from aftaleflow.documents.render import RenderedDocument, render_agenda
from aftaleflow.documents.viewmodels import AgendaView
from tests.documents import factories
from tests.documents.pdftext import full_text, normalise, page_texts

SEED_HEADINGS = ("Udvalg", "Mødedato", "Mødested", "Sagsnr.", "Sagsbehandler",
                 "Øvrige sagsbehandlere", "Sagsresume", "Sagsfremstilling", "Indstilling",
                 "Beslutning", "Bilag")
TOC_LINE = re.compile(r"^(\d+)\. (.+?) ?\.{3,} ?(\d+)$")


def assert_reads_like_seed_004(text: str) -> None:
    for heading in SEED_HEADINGS:
        assert heading in text, heading
    assert "Mødedato: 30. august 2021" in text
    assert "Mødested: B1.01" in text
    assert "Sagsnr.: 29.30.08-P27-1-21" in text
    assert "Direktøren for Social, Sundhed og Beskæftigelse indstiller, " \
           "at orienteringen tages til efterretning." in text
    assert "Behandles nu i: Forebyggelsesudvalget (FOU)" in text
    assert "DIR FOU BFU SOS BSK KFU BYP TMU ØKE BYR" in text
    for word in ("Gødstrup", "Ringkøbing-Skjern", "sundhedsvæsenet", "står", "halvår"):
        assert word in text, word


def test_agenda_item_has_every_field_of_seed_004(item_pdf: RenderedDocument) -> None:
    text = full_text(item_pdf.pdf)
    assert_reads_like_seed_004(text)
    assert "18. Aftale om sammenhæng og nærhed (sundhedsklynge)" in text
    assert "Beslutning Orienteringen blev taget til efterretning." in text
    assert "aftaletekst-vedr-sundhedsklynger-11-juni-2021" in text
    assert item_pdf.kind == "dagsordenpunkt"
    assert item_pdf.template == "dagsordenpunkt.html.j2"
    assert item_pdf.title == "Dagsordenpunkt 18. Aftale om sammenhæng og nærhed (sundhedsklynge)"


def test_agenda_has_front_page_items_and_undecided_items_say_so(
        agenda_pdf: RenderedDocument) -> None:
    text = full_text(agenda_pdf.pdf)
    assert_reads_like_seed_004(text)
    assert text.startswith("DAGSORDEN Forebyggelsesudvalget")
    assert "Indholdsfortegnelse" in text
    assert "Afventer udvalgets behandling." in text
    assert agenda_pdf.pages >= 8


def test_table_of_contents_gives_the_page_where_each_item_starts(
        toc_agenda: AgendaView, agenda_pdf: RenderedDocument) -> None:
    pages = [normalise(text) for text in page_texts(agenda_pdf.pdf)]
    toc = {}
    for line in page_texts(agenda_pdf.pdf)[0].splitlines():
        if match := TOC_LINE.match(normalise(line)):
            toc[int(match[1])] = (match[2], int(match[3]))
    assert sorted(toc) == [item.number for item in toc_agenda.items]
    for item in toc_agenda.items:
        title, page = toc[item.number]
        assert title.startswith(item.title)
        heading = f"{item.number}. {item.title}"
        actual = next(i + 1 for i, text in enumerate(pages) if i and text.startswith(heading))
        assert page == actual, (item.number, page, actual)
    assert len({page for _, page in toc.values()}) == len(toc)
    assert [page for _, page in toc.values()] != list(range(2, 2 + len(toc)))


def test_protocol_has_attendance_and_the_decisions(protocol_pdf: RenderedDocument) -> None:
    text = full_text(protocol_pdf.pdf)
    assert_reads_like_seed_004(text)
    assert text.startswith("BESLUTNINGSPROTOKOL Forebyggelsesudvalget")
    assert "Til stede: Jørgen Dalgaard (formand), Åse Mølgaard, Bjørn Kæmpe" in text
    assert "Fraværende: Lærke Sørensen" in text
    assert "Mødet sluttede: kl. 17.45" in text
    assert "Beslutning Orienteringen blev taget til efterretning." in text
    assert "Den fortrolige løsningsmodel blev godkendt." in text


def test_a_late_item_says_so_and_gives_the_reason(agenda_pdf: RenderedDocument) -> None:
    text = full_text(agenda_pdf.pdf)
    assert "Punktet er udsendt efter fristen. Begrundelse: Fortrolig forsinkelse" in text


def test_duplicate_item_numbers_are_refused_with_a_danish_message() -> None:
    agenda = factories.agenda(2)
    twice = AgendaView(agenda.meeting, (*agenda.items, agenda.items[0]))
    with pytest.raises(ValueError, match="Punktnummer 1 optræder flere gange"):
        agenda_document(twice)


def test_an_empty_agenda_still_renders_its_front_page() -> None:
    result = render_agenda(AgendaView(factories.MEETING, ()))
    assert result.pages == 1
    assert "Mødedato: 30. august 2021" in full_text(result.pdf)
