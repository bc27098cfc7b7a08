"""The council's draft agenda item as an editable Word file (python-docx), byte-reproducible.

Councils paste the region's sagsfremstilling into their own agenda systems and adapt it, so
the draft is plain paragraphs, headings and one facts table, nothing a paste would lose.
python-docx stamps the current time into the zip entries; we rewrite the package with the
document's own date so the same draft gives the same bytes (and sha256) every time.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path

from docx import Document
from docx.document import Document as WordFile

from aftaleflow.documents.environment import at_clause, long_date
from aftaleflow.documents.viewmodels import DraftItemView

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE_NAME = "worddraft.py"
TO_BE_FILLED = "(udfyldes af {})"


@dataclass(frozen=True)
class WordDocument:
    """A finished .docx and what the document register stores about it."""

    kind: str
    title: str
    template: str
    template_version: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


@cache
def word_template_version() -> str:
    """This builder's source and python-docx's version decide the bytes."""
    source = Path(__file__).read_bytes()
    return hashlib.sha256(f"python-docx {version('python-docx')}\0".encode()
                          + source).hexdigest()[:16]


def draft_title(draft: DraftItemView) -> str:
    return f"Udkast til dagsordenpunkt: {draft.agreement_title}"


def render_draft_docx(draft: DraftItemView) -> WordDocument:
    """The draft as .docx: council, resumé, sagsfremstilling, indstilling, route, deadline."""
    doc = Document()
    props = doc.core_properties
    props.title = draft_title(draft)
    props.author = draft.sender
    props.language = "da-DK"
    props.subject = f"Sagsnr. {draft.case_number}"
    moment = datetime(draft.date.year, draft.date.month, draft.date.day)
    props.created = props.modified = moment
    props.last_modified_by = draft.sender
    props.revision = 1
    doc.add_paragraph(f"Udkast til dagsordenpunkt for {draft.council}")
    doc.add_heading(draft.agreement_title, level=1)
    _facts(doc, draft)
    doc.add_heading("Sagsresume", level=2)
    for paragraph in _paragraphs(draft.resume):
        doc.add_paragraph(paragraph)
    doc.add_heading("Sagsfremstilling", level=2)
    for paragraph in draft.sagsfremstilling:
        doc.add_paragraph(paragraph)
    doc.add_heading("Indstilling", level=2)
    doc.add_paragraph("Administrationen indstiller,")
    for clause in draft.recommendations:
        doc.add_paragraph(at_clause(clause))
    doc.add_heading("Beslutning", level=2)
    doc.add_paragraph(TO_BE_FILLED.format(draft.filled_by))
    doc.add_heading("Bilag", level=2)
    doc.add_paragraph(f"Samarbejdsaftalen »{draft.agreement_title}«")
    out = io.BytesIO()
    doc.save(out)
    data = _fixed_zip(out.getvalue(), moment)
    return WordDocument(kind="udkast_dagsordenpunkt_docx", title=draft_title(draft),
                        template=TEMPLATE_NAME, template_version=word_template_version(),
                        data=data, sha256=hashlib.sha256(data).hexdigest())


def _facts(doc: WordFile, draft: DraftItemView) -> None:
    route = " → ".join(f"{s.name} ({s.code})" if s.name != s.code else s.code
                       for s in draft.route)
    filled = TO_BE_FILLED.format(draft.filled_by)
    rows = [("Udvalg/organ", draft.council), ("Mødedato", filled), ("Punkt nr.", filled),
            ("Sagsnr.", draft.case_number), ("Sagsbehandler", draft.case_handler),
            ("Sagens vej", route or "–"), ("Svarfrist", long_date(draft.deadline) or "–")]
    table = doc.add_table(rows=len(rows), cols=2)
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text = label
        row.cells[1].text = value


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()] or ["–"]


def _fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The same package with every entry stamped `moment` (python-docx uses 'now')."""
    stamp = (moment.year, moment.month, moment.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
