"""Honest PDF/A with bilag appended: a file that claims PDF/A-3a has every page's content
tagged or marked as an artifact (an appended bilag page is a Figure whose alt text names the
bilag, its text kept for search), and "Side N af M" counts the pages of the whole file."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pikepdf
import pytest

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.pdf import html_to_pdf
from aftaleflow.documents.render import RenderedDocument, render_agenda, render_agenda_item
from aftaleflow.documents.viewmodels import PdfAttachment
from tests.documents import factories
from tests.documents.pdftext import page_texts

PAINTING = {"Tj", "TJ", "'", '"', "Do", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh",
            "BI", "INLINE IMAGE"}


def bilag(name: str, pages: int) -> PdfAttachment:
    """A bilag PDF with real text on each page (rendered, fonts embedded, untagged)."""
    paragraphs = "".join(f'<p style="break-after: page">{name}: tandpleje for borgere, side '
                         f"{n + 1}.</p>" for n in range(pages))
    html = (f'<html lang="da"><head><link rel="stylesheet" href="style.css"></head>'
            f"<body>{paragraphs}</body></html>")  # the bundled fonts: the only ones there are
    data = html_to_pdf(html, assets_dir=TEMPLATES_DIR, document_date=date(2021, 6, 11)).data
    return PdfAttachment(name, data)


@pytest.fixture(scope="module")
def public_agenda_with_bilag() -> RenderedDocument:
    agenda = factories.agenda(2)
    first = replace(agenda.items[0], bilag_pdf=(bilag("Aftaletekst om tandpleje", 2),))
    return render_agenda(replace(agenda, items=(first, *agenda.items[1:])), public=True)


def untagged_content(pdf: pikepdf.Pdf, page: pikepdf.Page) -> list[str]:
    """Painting operators on `page` outside any tagged (MCID) or artifact marked content."""
    stack: list[bool] = []
    loose = []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            props = operands[1] if op == "BDC" else None
            if isinstance(props, pikepdf.Name) and "/Properties" in page.Resources:
                props = page.Resources.Properties.get(str(props))
            has_mcid = isinstance(props, pikepdf.Dictionary) and "/MCID" in props
            stack.append(has_mcid or tag == "/Artifact")
        elif op == "EMC":
            stack.pop()
        elif op in PAINTING and not any(stack):
            loose.append(op)
    return loose


def structure_of(pdf: pikepdf.Pdf, page: pikepdf.Page) -> list[pikepdf.Dictionary]:
    """The structure elements the page's marked content belongs to (through the ParentTree)."""
    key = int(page.obj.StructParents)
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    by_key = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    return [e for e in by_key[key] if isinstance(e, pikepdf.Dictionary)]


def test_every_page_of_a_file_claiming_pdf_a_3a_is_tagged_or_an_artifact(
        public_agenda_with_bilag: RenderedDocument) -> None:
    data = public_agenda_with_bilag.pdf
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.open_metadata()["pdfaid:conformance"] == "A"
        assert len(pdf.pages) == public_agenda_with_bilag.pages
        for number, page in enumerate(pdf.pages, start=1):
            assert untagged_content(pdf, page) == [], f"side {number}"
            assert "/StructParents" in page.obj, f"side {number}"
            assert structure_of(pdf, page), f"side {number}"
        for page in pdf.pages[-2:]:  # the bilag's two pages: a Figure naming the bilag
            (figure,) = structure_of(pdf, page)
            assert figure.S == "/Figure"
            assert "Aftaletekst om tandpleje" in str(figure.Alt)
            assert figure.Pg.objgen == page.obj.objgen
            parent = figure.P
            assert any(k.objgen == figure.objgen for k in parent.K)


def test_an_appended_bilag_keeps_its_text_for_search(
        public_agenda_with_bilag: RenderedDocument) -> None:
    pages = page_texts(public_agenda_with_bilag.pdf)
    assert "Aftaletekst om tandpleje: tandpleje for borgere, side 1." in pages[-2]
    assert "side 2." in pages[-1]


def test_the_footer_counts_every_page_of_the_file_bilag_included() -> None:
    item = replace(factories.SEED_ITEM, bilag_pdf=(bilag("Aftaletekst om tandpleje", 3),))
    rendered = render_agenda_item(factories.MEETING, item)
    pages = page_texts(rendered.pdf)
    assert rendered.pages == len(pages)
    own = len(pages) - 3
    assert own >= 1
    for number in range(1, own + 1):
        footer = re.findall(r"Side \d+ af \d+", pages[number - 1])
        assert footer == [f"Side {number} af {len(pages)}"], pages[number - 1][-200:]


def test_a_bilag_that_was_tagged_itself_becomes_one_figure_per_page() -> None:
    """A tagged bilag (here our own PDF/A-3a) brings marked content with MCIDs of its own
    structure tree; appended, its pages still point only into the file's tree."""
    tagged = render_agenda(factories.agenda(1), public=True)
    agenda = factories.agenda(1)
    first = replace(agenda.items[0], bilag_pdf=(PdfAttachment("Tidligere dagsorden",
                                                              tagged.pdf),))
    rendered = render_agenda(replace(agenda, items=(first,)), public=True)
    with pikepdf.open(io.BytesIO(rendered.pdf)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            assert untagged_content(pdf, page) == [], f"side {number}"
        for page in pdf.pages[-tagged.pages:]:
            (figure,) = structure_of(pdf, page)
            assert str(figure.Alt).startswith("Bilag: Tidligere dagsorden, side ")
            mcids = [op for operands, op in pikepdf.parse_content_stream(page)
                     if str(op) == "BDC" and isinstance(operands[1], pikepdf.Dictionary)
                     and "/MCID" in operands[1]]
            assert len(mcids) == 1
