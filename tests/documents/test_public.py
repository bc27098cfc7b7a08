"""A public agenda or protocol shows a closed item's number and title and nothing else of it."""

from __future__ import annotations

import io

import pikepdf
import pytest

from aftaleflow.documents.prepare import agenda_document, protocol_document
from aftaleflow.documents.render import RenderedDocument
from aftaleflow.documents.viewmodels import AgendaView
from tests.documents import factories
from tests.documents.pdftext import full_text, normalise, outline_titles

CLOSED_TITLE = factories.CLOSED_ITEM.title


def pdf_strings(pdf: bytes) -> str:
    """Metadata and bookmarks too: text that never shows on a page but is in the file."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        info = " ".join(str(value) for value in doc.docinfo.values())
        xmp = str(doc.open_metadata())
    return normalise(" ".join([info, xmp, *outline_titles(pdf)]))


def test_the_secrets_are_in_the_internal_agenda(agenda_pdf: RenderedDocument) -> None:
    """The check below can see a secret when there is one (no passing by accident)."""
    text = full_text(agenda_pdf.pdf)
    for secret in factories.CLOSED_SECRETS:
        assert secret in text, secret


@pytest.mark.parametrize("fixture", ["public_agenda_pdf", "public_protocol_pdf"])
def test_public_version_has_no_text_of_a_closed_item(fixture: str,
                                                     request: pytest.FixtureRequest) -> None:
    result: RenderedDocument = request.getfixturevalue(fixture)
    text = full_text(result.pdf)
    hidden = pdf_strings(result.pdf)
    for secret in factories.CLOSED_SECRETS:
        assert secret not in text, secret
        assert secret not in hidden, secret
    number = next(i.number for i in request.getfixturevalue("toc_agenda").items if i.closed) \
        if fixture == "public_agenda_pdf" else factories.CLOSED_ITEM.number
    assert f"{number}. {CLOSED_TITLE} Lukket punkt" in text
    assert "Indholdet offentliggøres ikke." in text
    assert "kun vist med nummer og overskrift" in text
    assert result.kind.endswith("_offentlig")


def test_public_html_never_receives_a_closed_items_content(toc_agenda: AgendaView) -> None:
    agenda_html = agenda_document(toc_agenda, public=True).html
    protocol_html = protocol_document(factories.protocol(), public=True).html
    for secret in factories.CLOSED_SECRETS:
        assert secret not in agenda_html and secret not in protocol_html, secret
    assert CLOSED_TITLE in agenda_html


def test_open_items_are_whole_in_the_public_version(
        public_agenda_pdf: RenderedDocument) -> None:
    text = full_text(public_agenda_pdf.pdf)
    assert "Sagsresume" in text and "Ellen Bagge Grimstrup" in text
    assert "Gødstrupklyngen" in text
