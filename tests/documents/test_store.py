"""Storing a document: named by kind and hash, written whole, the same path every time."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from aftaleflow.documents.render import RenderedDocument
from aftaleflow.documents.store import store_document


def test_store_writes_the_pdf_under_kind_and_hash(item_pdf: RenderedDocument,
                                                   tmp_path: Path) -> None:
    path = store_document(item_pdf, tmp_path / "dokumenter")
    assert path.name == f"dagsordenpunkt-{item_pdf.sha256[:16]}.pdf"
    assert path.read_bytes() == item_pdf.pdf
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_storing_again_gives_the_same_single_file(item_pdf: RenderedDocument,
                                                  tmp_path: Path) -> None:
    first = store_document(item_pdf, tmp_path)
    second = store_document(item_pdf, tmp_path)
    assert first == second
    assert len(list(tmp_path.iterdir())) == 1


def test_bytes_that_do_not_match_their_hash_are_not_stored(item_pdf: RenderedDocument,
                                                           tmp_path: Path) -> None:
    tampered = dataclasses.replace(item_pdf, pdf=item_pdf.pdf + b"%")
    with pytest.raises(ValueError):
        store_document(tampered, tmp_path)
    assert list(tmp_path.iterdir()) == []
