"""From view models to final HTML: one function per document kind.

Each function decides the document's kind, title, author and date, redacts what a public
version may not show, and fills its template. The result is plain HTML that `render.to_pdf`
turns into a PDF (and that a preview or a benchmark can use as is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.appendix import Appendix
from aftaleflow.documents.environment import jinja_environment, long_date, template_version
from aftaleflow.documents.errors import DocumentDataError
from aftaleflow.documents.letters import letter_subject
from aftaleflow.documents.report import (
    column_groups,
    overdue_entries,
    party_columns,
    report_rows,
)
from aftaleflow.documents.viewmodels import (
    AgendaItemView,
    AgendaView,
    DraftItemView,
    LetterKind,
    LetterView,
    MeetingView,
    ProtocolView,
    StatusReportView,
)

LOGO_NAMES = ("logo.svg", "logo.png")
ARCHIVE_VARIANT = "pdf/a-3b"
TAGGED_VARIANT = "pdf/a-3a"
"""PDF/A-3a: tagged (structure tree, language), as the webtilgængelighedslov asks of what
a council publishes on its website; still PDF/A."""


@dataclass(frozen=True)
class DocumentInfo:
    """What every template's `doc` holds: metadata for the PDF and the running header."""

    kind: str
    title: str
    author: str
    description: str
    date: date
    page_header: str


@dataclass(frozen=True)
class PreparedDocument:
    """Final HTML and everything needed to render and record it."""

    info: DocumentInfo
    template: str
    template_version: str
    html: str
    templates_dir: Path
    pdf_variant: str = ARCHIVE_VARIANT


def prepare_document(info: DocumentInfo, template: str, templates_dir: Path, *,
                     appendix: Appendix | None = None, pdf_variant: str = ARCHIVE_VARIANT,
                     **context: Any) -> PreparedDocument:
    """Fill `template` for `info`: the one place a document's HTML is made."""
    env = jinja_environment(templates_dir)
    # with bilag appended, "Side N af M" counts the whole file: M is the last bilag page
    total_pages = max((r.last for r in appendix.values()), default=None) if appendix else None
    html = env.get_template(template).render(doc=info, logo=_logo(templates_dir),
                                             appendix=appendix or {}, total_pages=total_pages,
                                             **context)
    return PreparedDocument(info=info, template=template,
                            template_version=template_version(templates_dir),
                            html=html, templates_dir=templates_dir, pdf_variant=pdf_variant)


def _logo(templates_dir: Path) -> str | None:
    """An optional bundled logo for letterheads (the fetcher serves it like the fonts)."""
    return next((name for name in LOGO_NAMES if (templates_dir / name).is_file()), None)


def _meeting_line(meeting: MeetingView) -> str:
    return f"{meeting.body_name}, møde {long_date(meeting.date)}"


def _meeting_info(meeting: MeetingView, kind: str, name: str, public: bool) -> DocumentInfo:
    """A whole meeting's document (dagsorden, beslutningsprotokol), open or public."""
    if public:
        kind, name = f"{kind}_offentlig", f"{name} (offentlig udgave)"
    return DocumentInfo(
        kind=kind,
        title=f"{name}: {meeting.body_name}, {long_date(meeting.date)}",
        author=meeting.body_name,
        description=f"{name} for {meeting.body_name} ({meeting.body_kind})",
        date=meeting.date,
        page_header=f"{meeting.body_name} · {name} · {long_date(meeting.date)}",
    )


def public_item(item: AgendaItemView) -> AgendaItemView:
    """A closed item as the public may see it: number and title, nothing else."""
    return AgendaItemView(number=item.number, title=item.title, closed=True)


def _items_for(items: Sequence[AgendaItemView], public: bool) -> list[AgendaItemView]:
    numbers = [item.number for item in items]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        listed = ", ".join(str(n) for n in duplicates)
        raise DocumentDataError(f"Punktnummer {listed} optræder flere gange på dagsordenen.")
    return [public_item(i) if public and i.closed else i for i in items]


def agenda_item_document(meeting: MeetingView, item: AgendaItemView, *,
                         templates_dir: Path = TEMPLATES_DIR,
                         appendix: Appendix | None = None) -> PreparedDocument:
    """One dagsordenpunkt (for the case file or a party's draft), laid out as seed 004."""
    info = DocumentInfo(
        kind="dagsordenpunkt",
        title=f"Dagsordenpunkt {item.number}. {item.title}",
        author=meeting.body_name,
        description=_meeting_line(meeting),
        date=meeting.date,
        page_header=f"{meeting.body_name} · {long_date(meeting.date)} · Punkt {item.number}",
    )
    return prepare_document(info, "dagsordenpunkt.html.j2", templates_dir, meeting=meeting,
                            item=item, appendix=appendix)


def agenda_document(agenda: AgendaView, *, public: bool = False,
                    templates_dir: Path = TEMPLATES_DIR,
                    appendix: Appendix | None = None) -> PreparedDocument:
    """The samlet dagsorden; `public` keeps closed items down to number and title and is
    tagged for the council's website."""
    meeting = agenda.meeting
    items = _items_for(agenda.items, public)
    info = _meeting_info(meeting, "dagsorden", "Dagsorden", public)
    return prepare_document(info, "dagsorden.html.j2", templates_dir, meeting=meeting,
                            items=items, public=public, closed_count=sum(i.closed for i in items),
                            appendix=appendix,
                            pdf_variant=TAGGED_VARIANT if public else ARCHIVE_VARIANT)


def protocol_document(protocol: ProtocolView, *, public: bool = False,
                      templates_dir: Path = TEMPLATES_DIR) -> PreparedDocument:
    """The beslutningsprotokol (referat) after the meeting, open or public."""
    meeting = protocol.meeting
    items = _items_for(protocol.items, public)
    info = _meeting_info(meeting, "beslutningsprotokol", "Beslutningsprotokol", public)
    return prepare_document(info, "beslutningsprotokol.html.j2", templates_dir, meeting=meeting,
                            protocol=protocol, items=items, public=public,
                            closed_count=sum(i.closed for i in items))


def letter_document(letter: LetterView, *, templates_dir: Path = TEMPLATES_DIR,
                    appendix: Appendix | None = None) -> PreparedDocument:
    """One letter of any kind; refuses (DocumentDataError) a letter missing what it needs."""
    kind = LetterKind(letter.kind)
    subject = letter_subject(letter)
    info = DocumentInfo(
        kind=kind.value,
        title=subject,
        author=letter.sender,
        description=f"Sagsnr. {letter.case_number}: {letter.agreement_title}",
        date=letter.date,
        page_header=f"{letter.sender} · Sagsnr. {letter.case_number}",
    )
    return prepare_document(info, f"{kind.value}.html.j2", templates_dir, letter=letter,
                            appendix=appendix)


def status_report_document(report: StatusReportView, *,
                           templates_dir: Path = TEMPLATES_DIR) -> PreparedDocument:
    """The managers' status: agreements x parties, N of M approved, overdue deadlines."""
    info = DocumentInfo(
        kind="statusrapport",
        title=report.title,
        author=report.author,
        description=f"Status opgjort {long_date(report.date)}",
        date=report.date,
        page_header=f"{report.title} · {long_date(report.date)}",
    )
    return prepare_document(info, "statusrapport.html.j2", templates_dir, report=report,
                            rows=report_rows(report),
                            column_groups=column_groups(party_columns(report)),
                            overdue=overdue_entries(report))


def draft_item_document(draft: DraftItemView, *,
                        templates_dir: Path = TEMPLATES_DIR) -> PreparedDocument:
    """A council's draft agenda item (the PDF twin of the Word file)."""
    info = DocumentInfo(
        kind="udkast_dagsordenpunkt",
        title=f"Udkast til dagsordenpunkt: {draft.agreement_title}",
        author=draft.sender,
        description=f"Udkast til dagsordenpunkt for {draft.council}",
        date=draft.date,
        page_header=f"Udkast til dagsordenpunkt · {draft.council} · Sagsnr. {draft.case_number}",
    )
    return prepare_document(info, "udkast_dagsordenpunkt.html.j2", templates_dir, draft=draft)
