"""Archiving a case reads only: the database is unchanged and the bytes repeat."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from aftaleflow.archive.verify import verify_package
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.services.documents.archive import archive_case
from aftaleflow.services.documents.case_documents import render_letter
from tests.conftest import dump
from tests.factories import agreement_in_state


def test_archiving_writes_nothing_and_gives_the_same_bytes(ctx, engine, clock,
                                                           tmp_path) -> None:
    view = agreement_in_state(ctx, "implementeret")
    render_letter(ctx, "godkendelsesmeddelelse", view.id, party="Vejle")
    before = dump(engine)
    first = archive_case(ctx, view.id)
    clock.tick(30)  # a later day changes nothing: the package date is the case's own
    second = archive_case(ctx, view.id)
    assert dump(engine) == before
    assert first.data == second.data and first.name == f"sag-{view.id}.zip"
    names = zipfile.ZipFile(BytesIO(first.data)).namelist()
    assert f"sag-{view.id}/data/indeks.pdf" in names
    assert any("godkendelsesmeddelelse" in n for n in names)
    target = tmp_path / first.name
    target.write_bytes(first.data)
    assert verify_package(target).ok


def test_a_changed_stored_document_stops_the_archive(ctx) -> None:
    view = agreement_in_state(ctx, "godkendt")
    record = render_letter(ctx, "godkendelsesmeddelelse", view.id, party="Vejle")
    Path(record.path).write_bytes(b"%PDF-1.7 forfalsket")
    with pytest.raises(ValidationFailed, match=r"sha256 passer ikke\)\. Pakken er ikke dannet"):
        archive_case(ctx, view.id)
