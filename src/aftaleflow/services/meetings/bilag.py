"""Bilag given as PDF files: checked to be readable PDFs and stored by content hash.

The file is written before the item's transaction commits; it is named by its sha256, so a
rolled-back item leaves at most a file that the next identical bilag reuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.validation import clean_text

__all__ = ["BilagFile", "store_bilag"]


@dataclass(frozen=True)
class BilagFile:
    """A bilag given as a PDF file: its name on the agenda and its bytes."""

    name: str
    data: bytes = field(repr=False)


def store_bilag(files: list[BilagFile]) -> list[dict[str, str]]:
    """Check each bilag is a readable PDF and store it: name, path and sha256 per file."""
    if not files:
        return []
    from aftaleflow.documents.appendix import pdf_page_count
    from aftaleflow.documents.errors import DocumentDataError
    from aftaleflow.documents.store import store_file
    from aftaleflow.services.documents.case_documents import documents_dir

    stored = []
    for bilag in files:
        name = clean_text(bilag.name, "bilag", max_len=300, required=True, single_line=True)
        try:
            pdf_page_count(bilag.data, name)
        except DocumentDataError as exc:
            raise ValidationFailed(exc.message) from exc
        path, digest = store_file(bilag.data, "bilag", ".pdf", documents_dir())
        stored.append({"name": name, "path": str(path), "sha256": digest})
    return stored
