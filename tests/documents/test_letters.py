"""Every letter kind renders in Danish with its own facts, and refuses to go out incomplete."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pikepdf
import pytest

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.environment import template_version
from aftaleflow.documents.errors import DocumentDataError
from aftaleflow.documents.letters import LETTERS
from aftaleflow.documents.prepare import letter_document
from aftaleflow.documents.render import render_letter, render_status_report
from aftaleflow.documents.viewmodels import LetterKind
from tests.documents import factories
from tests.documents.pdftext import full_text

EXPECTED: dict[LetterKind, tuple[str, ...]] = {
    LetterKind.APPROVAL_REQUEST: (
        "anmoder hermed Holstebro Kommune om at behandle og godkende samarbejdsaftalen",
        "Svarfrist: 24. juni 2025", "Udkast til dagsordenpunkt"),
    LetterKind.REMINDER: (
        "Vi har endnu ikke modtaget jeres meddelelse",
        "Fristen for svar udløb 24. juni 2025.", "Dette er rykker nr. 2 i sagen."),
    LetterKind.ESCALATION: (
        "Att.: Kontorchef Åsa Kjærgaard", "inden fristen 24. juni 2025, selvom der er sendt 1 "
        "rykker.", "Holstebro Kommune Afventer (fristen er overskredet)",
        "Ringkøbing-Skjern Kommune Sat på dagsorden"),
    LetterKind.APPROVAL_NOTICE: (
        "Byrådet i Holstebro Kommune på sit møde 19. juni 2025 har godkendt samarbejdsaftalen",),
    LetterKind.REJECTION_NOTICE: (
        "har besluttet ikke at godkende samarbejdsaftalen",
        "Begrundelse: Byrådet ønsker, at økonomien i udgående teams afklares først."),
    LetterKind.IMPLEMENTATION_REQUEST: (
        "anmoder hermed Gødstrupklyngen (Sundhedsklynge Vest) om at implementere aftalen",
        "Godkendelser (5 af 5)", "Implementeringen forventes afsluttet senest 24. juni 2025."),
}


@pytest.mark.parametrize("kind", list(LetterKind))
def test_each_letter_kind_renders_its_danish_text(kind: LetterKind) -> None:
    result = render_letter(factories.letter(kind))
    text = full_text(result.pdf)
    assert result.kind == kind.value
    assert result.template == f"{kind.value}.html.j2"
    # a rykker's subject words its deadline as the reminder mail does (issue 20, rule 7)
    late = " – fristen overskredet (24. juni 2025)" if kind == LetterKind.REMINDER else ""
    assert result.title.endswith("»Den gode indlæggelse og udskrivelse«" + late)
    assert result.title in text
    assert "Dato: 1. juli 2025" in text
    assert "Sagsnr.: 29.30.08-P27-1-25" in text
    assert "Med venlig hilsen Ellen Bagge Grimstrup" in text
    assert "Sundhedssamarbejdsudvalget, Region Midtjylland" in text
    assert "Aftalen er drøftet i Sundhedsstyregruppen den 2. april 2025." in text
    for phrase in EXPECTED[kind]:
        assert phrase in text, phrase


def test_every_letter_kind_has_a_spec_and_a_template() -> None:
    assert set(LETTERS) == set(LetterKind)


@pytest.mark.parametrize(("kind", "missing", "message"), [
    (LetterKind.APPROVAL_REQUEST, {"deadline": None}, "Anmodning om godkendelse kræver en frist."),
    (LetterKind.REMINDER, {"deadline": None}, "Rykker kræver en frist."),
    (LetterKind.ESCALATION, {"parties": ()}, "Eskalering kræver mindst én part."),
    (LetterKind.APPROVAL_NOTICE, {"decision_date": None},
     "Godkendelsesmeddelelse kræver datoen for beslutningen."),
    (LetterKind.REJECTION_NOTICE, {"decision_body": ""},
     "Meddelelse om afslag kræver det organ, der har truffet beslutningen."),
])
def test_a_letter_missing_what_its_kind_needs_is_refused(
        kind: LetterKind, missing: dict[str, object], message: str) -> None:
    letter = replace(factories.letter(kind), **missing)
    with pytest.raises(DocumentDataError) as error:
        letter_document(letter)
    assert error.value.message == message


def test_implementation_is_not_requested_before_every_party_has_approved() -> None:
    letter = replace(factories.letter(LetterKind.IMPLEMENTATION_REQUEST),
                     parties=factories.parties())
    with pytest.raises(DocumentDataError, match="alle parter har godkendt"):
        letter_document(letter)


def test_a_reminder_before_the_deadline_says_when_it_is() -> None:
    letter = replace(factories.letter(LetterKind.REMINDER), date=date(2025, 6, 17))
    assert "Fristen for svar er" in letter_document(letter).html


def test_status_report_shows_n_of_m_every_party_and_what_is_overdue() -> None:
    result = render_status_report(factories.status_report())
    text = full_text(result.pdf)
    assert result.kind == "statusrapport"
    assert "Opgjort 1. juli 2025" in text
    assert "2 af 5 godkendt, 2 over fristen" in text
    assert "5 af 5 godkendt" in text
    for party in factories.parties():
        assert party.name in text
    assert "Holstebro Kommune Afventer 24.06.2025 7" in text
    assert "✓ 10.06.2025" in text and "✗ 19.06.2025" in text


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG, made here so the test needs no image file."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def test_a_bundled_logo_goes_on_the_letterhead(tmp_path: Path) -> None:
    assets = tmp_path / "letters"
    shutil.copytree(TEMPLATES_DIR, assets)
    (assets / "logo.png").write_bytes(tiny_png())
    result = render_letter(factories.letter(LetterKind.APPROVAL_REQUEST), templates_dir=assets)
    with pikepdf.open(io.BytesIO(result.pdf)) as pdf:
        images = [name for page in pdf.pages
                  for name, xobject in page.Resources.get("/XObject", {}).items()
                  if xobject.get("/Subtype") == "/Image"]
    assert images
    assert result.template_version != template_version()
