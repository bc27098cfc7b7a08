"""The letter kinds as data: Danish name, subject line and the fields each one needs.

A letter with a missing deadline or decision date would print an empty sentence to a council;
`check_letter` refuses it before rendering, with a message the integrator can show as is.
"""

from __future__ import annotations

from dataclasses import dataclass

from aftaleflow.documents.errors import DocumentDataError
from aftaleflow.documents.viewmodels import LetterKind, LetterView
from aftaleflow.domain.wording import deadline_phrase


@dataclass(frozen=True)
class LetterSpec:
    """What one kind of letter is called and what it cannot do without."""

    label: str
    subject: str
    """Subject line; `{title}` is the agreement's title."""
    requires: tuple[str, ...] = ()


FIELD_LABELS: dict[str, str] = {
    "deadline": "en frist",
    "parties": "mindst én part",
    "decision_body": "det organ, der har truffet beslutningen",
    "decision_date": "datoen for beslutningen",
}

LETTERS: dict[LetterKind, LetterSpec] = {
    LetterKind.APPROVAL_REQUEST: LetterSpec(
        "Anmodning om godkendelse",
        "Anmodning om godkendelse af samarbejdsaftalen »{title}«",
        ("deadline",)),
    LetterKind.REMINDER: LetterSpec(
        "Rykker",
        "Rykker: godkendelse af samarbejdsaftalen »{title}«",
        ("deadline",)),
    LetterKind.ESCALATION: LetterSpec(
        "Eskalering",
        "Eskalering: manglende svar om samarbejdsaftalen »{title}«",
        ("deadline", "parties")),
    LetterKind.APPROVAL_NOTICE: LetterSpec(
        "Godkendelsesmeddelelse",
        "Meddelelse om godkendelse af samarbejdsaftalen »{title}«",
        ("decision_body", "decision_date")),
    LetterKind.REJECTION_NOTICE: LetterSpec(
        "Meddelelse om afslag",
        "Meddelelse om afslag: samarbejdsaftalen »{title}«",
        ("decision_body", "decision_date")),
    LetterKind.IMPLEMENTATION_REQUEST: LetterSpec(
        "Anmodning om implementering",
        "Anmodning om implementering af samarbejdsaftalen »{title}«"),
}


def check_letter(letter: LetterView) -> LetterSpec:
    """The letter's spec, or DocumentDataError naming the first required field missing."""
    spec = LETTERS[LetterKind(letter.kind)]
    for name in spec.requires:
        if not getattr(letter, name):
            raise DocumentDataError(f"{spec.label} kræver {FIELD_LABELS[name]}.")
    if not letter.agreement_title.strip():
        raise DocumentDataError(f"{spec.label} kræver aftalens titel.")
    if letter.kind == LetterKind.IMPLEMENTATION_REQUEST and not all(
            party.approved for party in letter.parties):
        raise DocumentDataError(
            f"{spec.label} forudsætter, at alle parter har godkendt aftalen.")
    return spec


def letter_subject(letter: LetterView) -> str:
    """The subject line, which is also the PDF's title."""
    subject = check_letter(letter).subject.format(title=letter.agreement_title.strip())
    if letter.kind == LetterKind.REMINDER and letter.deadline:  # worded as the mail's subject
        subject += f" – {deadline_phrase(letter.deadline, letter.date)}"
    return subject
