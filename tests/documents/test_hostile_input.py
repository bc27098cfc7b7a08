"""Whatever a user types is printed, never obeyed: no markup, no file read, no request."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pikepdf

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.pdf import html_to_pdf
from aftaleflow.documents.render import render_agenda_item, render_letter
from aftaleflow.documents.viewmodels import LetterKind
from tests.documents import factories
from tests.documents.conftest import RecordingServer
from tests.documents.pdftext import full_text

PASSWD_LEAK = "root:x:0"


def hostile_text(server: RecordingServer) -> str:
    return (
        'Billede: <img src="file:///etc/passwd"> og <script>alert(1)</script>\n\n'
        f"Se [bilaget]({server.url('/markdown-link')}) og {server.url('/raw-link')}\n\n"
        f"![kort]({server.url('/markdown-image.png')}) <{server.url('/autolink')}>\n\n"
        f'<link rel="stylesheet" href="{server.url("/evil.css")}">\n\n'
        f"<style>@import url({server.url('/import.css')});</style>"
    )


def uri_annotations(pdf: bytes) -> list[str]:
    """Every clickable external link (/URI action) in the file."""
    uris = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    uris.append(str(action.URI))
    return uris


def test_hostile_agenda_item_is_printed_inertly(http_server: RecordingServer) -> None:
    text = hostile_text(http_server)
    item = replace(factories.SEED_ITEM, sagsfremstilling=text, sagsresume=text,
                   title='Aftale <img src="file:///etc/passwd">',
                   bilag=(f'<iframe src="{http_server.url("/bilag")}">',))
    result = render_agenda_item(factories.MEETING, item)
    pdf_text = full_text(result.pdf)

    assert http_server.requests == []
    assert PASSWD_LEAK not in pdf_text
    assert uri_annotations(result.pdf) == []
    assert '<script>alert(1)</script>' in pdf_text
    assert '<img src="file:///etc/passwd">' in pdf_text
    assert f"bilaget ({http_server.url('/markdown-link')})" in pdf_text
    assert http_server.url("/raw-link") in pdf_text
    assert "[Billede: kort]" in pdf_text
    assert f'<iframe src="{http_server.url("/bilag")}">' in pdf_text


def test_hostile_letter_is_printed_inertly(http_server: RecordingServer) -> None:
    letter = replace(factories.letter(LetterKind.REJECTION_NOTICE),
                     reason=hostile_text(http_server), message=hostile_text(http_server),
                     recipient=replace(factories.HOLSTEBRO, name="<b>Holstebro</b>"))
    pdf_text = full_text(render_letter(letter).pdf)
    assert http_server.requests == []
    assert PASSWD_LEAK not in pdf_text
    assert "<script>alert(1)</script>" in pdf_text and "<b>Holstebro</b>" in pdf_text


def test_even_raw_markup_cannot_make_the_renderer_fetch(http_server: RecordingServer) -> None:
    """Second line of defence: if markup ever got through, the fetcher still refuses."""
    html = f"""<!DOCTYPE html><html lang="da"><head><title>Test</title>
      <link rel="stylesheet" href="style.css">
      <link rel="stylesheet" href="{http_server.url('/evil.css')}">
      <style>@import url({http_server.url('/import.css')});
        body {{ background: url({http_server.url('/bg.png')}); }}
        @font-face {{ font-family: X; src: url({http_server.url('/font.ttf')}),
                      local("DejaVu Sans"); }}</style></head>
      <body><p>Tekst æøå</p>
      <img src="file:///etc/passwd"><img src="{http_server.url('/img.png')}">
      <object data="file:///etc/passwd"></object>
      <iframe src="{http_server.url('/frame')}"></iframe>
      <img src="data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'>
        <image href='{http_server.url('/svg.png')}'/></svg>">
      <a href="{http_server.url('/link')}">lænke</a></body></html>"""
    result = html_to_pdf(html, assets_dir=TEMPLATES_DIR, document_date=date(2021, 8, 30))
    assert http_server.requests == []
    assert PASSWD_LEAK not in full_text(result.data)
    assert "Tekst æøå" in full_text(result.data)
