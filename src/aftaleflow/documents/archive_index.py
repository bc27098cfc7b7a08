"""The archive package's readable index: a PDF/A cover listing every file with its sha256."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.environment import long_date
from aftaleflow.documents.prepare import DocumentInfo, prepare_document
from aftaleflow.documents.render import RenderedDocument, to_pdf


@dataclass(frozen=True)
class IndexFile:
    path: str
    description: str
    size: int
    sha256: str


@dataclass(frozen=True)
class IndexApproval:
    party: str
    state: str
    meeting_date: date | None
    decided_on: date | None
    protocol_ref: str


@dataclass(frozen=True)
class IndexRound:
    round_no: int
    text_version: int
    sent_on: date | None
    approvals: Sequence[IndexApproval]


@dataclass(frozen=True)
class ArchiveIndexView:
    """What the cover shows: the case, its rounds, the audit check and every file."""

    agreement_id: int
    title: str
    kind: str
    region: str
    case_number: str
    case_handler: str
    state: str
    archived_on: date
    """The date of the case's last event; also the package's Bagging-Date."""
    chain_status: str
    events: int
    rounds: Sequence[IndexRound]
    files: Sequence[IndexFile]
    withheld: Sequence[tuple[str, str]] = ()
    """Aktindsigt: each part left out, with the paragraph given for it."""
    request: str = ""
    """Aktindsigt: who asked and when; empty for an archive package."""


def render_archive_index(view: ArchiveIndexView, *,
                         templates_dir: Path = TEMPLATES_DIR) -> RenderedDocument:
    info = DocumentInfo(
        kind="arkivindeks",
        title=f"{'Aktindsigt' if view.request else 'Arkivpakke'} for sag {view.agreement_id}: "
              f"{view.title}",
        author=view.region,
        description=f"Indholdsfortegnelse med sha256 for sagsnr. {view.case_number}",
        date=view.archived_on,
        page_header=f"Arkivpakke · sag {view.agreement_id} · {long_date(view.archived_on)}",
    )
    return to_pdf(prepare_document(info, "arkivindeks.html.j2", templates_dir, case=view))
