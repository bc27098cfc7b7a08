"""User text is formatted lightly and stays inert: no tags, links or images from input."""

from __future__ import annotations

from aftaleflow.documents.markup import markdown_to_html


def test_paragraphs_lists_and_bold_are_kept() -> None:
    html = markdown_to_html("Første afsnit.\n\n* **Herning** og Holstebro\n* Struer")
    assert "<p>Første afsnit.</p>" in html
    assert "<li><strong>Herning</strong> og Holstebro</li>" in html


def test_raw_html_is_printed_as_text_not_markup() -> None:
    html = markdown_to_html('<script>alert(1)</script> <img src="file:///etc/passwd">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_links_show_label_and_address_as_plain_text() -> None:
    html = markdown_to_html("Se [aftaleteksten](http://127.0.0.1:9/aftale) og <http://x.dk/a>")
    assert "<a" not in html and "href" not in html
    assert "aftaleteksten (http://127.0.0.1:9/aftale)" in html
    assert "http://x.dk/a" in html and "(http://x.dk/a)" not in html


def test_images_show_their_description_never_an_img_tag() -> None:
    html = markdown_to_html("![Kort over klyngen](http://127.0.0.1:9/kort.png)")
    assert "<img" not in html and "127.0.0.1" not in html
    assert "[Billede: Kort over klyngen]" in html


def test_a_users_heading_does_not_outrank_the_documents_sections() -> None:
    html = markdown_to_html("# Baggrund\nTekst")
    assert '<h4 class="md-heading">Baggrund</h4>' in html and "<h1" not in html


def test_empty_text_gives_empty_markup() -> None:
    assert markdown_to_html("  \n ") == "" and markdown_to_html(None) == ""
