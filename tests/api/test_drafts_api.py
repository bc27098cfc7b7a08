"""A council's drafts over HTTP: listed per party on the agreement, the Word file downloadable."""

from __future__ import annotations

import io

from docx import Document

from tests.api.conftest import auth

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_request_letter_lists_the_partys_drafts_and_the_word_file_downloads(client,
                                                                            world) -> None:
    clerk = auth(world.tokens["udvalgssekretaer"])
    made = client.post(f"/agreements/{world.midt}/letters",
                       json={"kind": "anmodning_om_godkendelse", "party": "657"}, headers=clerk)
    assert made.status_code == 201, made.text
    drafts = client.get(f"/agreements/{world.midt}/drafts", headers=clerk).json()
    assert [d["body_key"] for d in drafts] == ["kb-657"]
    by_kind = {d["kind"]: d for d in drafts[0]["documents"]}
    assert set(by_kind) == {"udkast_dagsordenpunkt", "udkast_dagsordenpunkt_docx"}
    word = client.get(f"/documents/{by_kind['udkast_dagsordenpunkt_docx']['id']}",
                      headers=clerk)
    assert word.status_code == 200 and word.headers["content-type"] == DOCX
    assert word.headers["etag"] == f'"{by_kind["udkast_dagsordenpunkt_docx"]["sha256"]}"'
    text = "\n".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    assert drafts[0]["party"] in text


def test_a_pdf_bilag_sent_over_http_is_appended_to_the_item_with_its_pages(client,
                                                                            world) -> None:
    from pypdf import PdfReader

    from tests.api.test_roles import blank_pdf
    from tests.documents.pdftext import full_text

    clerk = auth(world.tokens["udvalgssekretaer"])
    added = client.post(f"/agenda-items/{world.item}/attachments?name=Aftaletekst",
                        content=blank_pdf(), headers={**clerk, "Content-Type": "application/pdf"})
    assert added.status_code == 201, added.text
    assert added.json()["attachment_files"] == ["Aftaletekst"]
    refused = client.post(f"/agenda-items/{world.item}/attachments?name=Notat",
                          content=b"ikke en pdf",
                          headers={**clerk, "Content-Type": "application/pdf"})
    assert refused.status_code == 422 and "ikke en PDF-fil" in refused.json()["detail"]
    made = client.post(f"/agenda-items/{world.item}/document", headers=clerk).json()
    pdf = client.get(f"/documents/{made['id']}", headers=clerk).content
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"Aftaletekst, side {pages}" in full_text(pdf)
