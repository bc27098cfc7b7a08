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
