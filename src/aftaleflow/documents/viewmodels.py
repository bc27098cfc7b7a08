"""Plain, frozen data that the document templates read.

The PDF engine knows nothing of the database: an integrator maps rows (or service views) to
these classes, and the same data always gives the same PDF. Free-text fields marked
"markdown" accept light formatting (paragraphs, lists, bold, links shown as text); every other
string is printed literally.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from aftaleflow.domain.textdiff import FieldChange


@dataclass(frozen=True)
class PdfAttachment:
    """A bilag given as a PDF file: appended to the document and listed with its pages."""

    name: str
    pdf: bytes

    def __repr__(self) -> str:
        return f"PdfAttachment({self.name!r}, {len(self.pdf)} bytes)"


@dataclass(frozen=True)
class MeetingView:
    """One meeting of one body: the header of an agenda, item or protocol."""

    body_name: str
    """E.g. "Forebyggelsesudvalget"; also the PDF author."""
    body_kind: str
    """The body's kind as in master data (e.g. "kommunalbestyrelse", "ssu")."""
    date: dt.date
    time: dt.time | None = None
    """None when the meeting's time is not set (the agenda then prints no time)."""
    place: str = ""


@dataclass(frozen=True)
class RouteStep:
    """One body on the case's route (seed 004: DIR FOU BFU ... BYR)."""

    code: str
    name: str
    current: bool = False


@dataclass(frozen=True)
class RecommendationView:
    """Indstilling: who recommends, and one or more "at ..." clauses.

    A clause may be given with or without its leading "at".
    """

    recommender: str
    clauses: Sequence[str] = ()


@dataclass(frozen=True)
class TextChangesView:
    """"Ændringer siden runde N": the changed fields, word by word; empty if none changed."""

    since_round: int
    fields: Sequence[FieldChange] = ()
    """Only the changed fields, as `domain.textdiff.compare` gives them."""


@dataclass(frozen=True)
class AgendaItemView:
    """A dagsordenpunkt, field by field as in seed 004."""

    number: int
    title: str
    closed: bool = False
    sagsnr: str = ""
    sagsbehandler: str = ""
    oevrige: Sequence[str] = ()
    route: Sequence[RouteStep] = ()
    sagsresume: str = ""
    """Markdown."""
    sagsfremstilling: str = ""
    """Markdown."""
    indstilling: RecommendationView | None = None
    beslutning: str | None = None
    """Markdown; None until the meeting has decided."""
    bilag: Sequence[str] = ()
    bilag_pdf: Sequence[PdfAttachment] = ()
    """Bilag as PDF files, appended after the item (or agenda) and listed with pages."""
    late_reason: str | None = None
    """Set when the item went out after the body's deadline: the agenda must say why."""
    changes: TextChangesView | None = None
    """Round 2 and later: what changed in the agreement's text since the previous round."""


@dataclass(frozen=True)
class AgendaView:
    """A whole dagsorden: one meeting and its items in order."""

    meeting: MeetingView
    items: Sequence[AgendaItemView]


@dataclass(frozen=True)
class ProtocolView:
    """A beslutningsprotokol (referat): the agenda after the meeting, with attendance."""

    meeting: MeetingView
    items: Sequence[AgendaItemView]
    present: Sequence[str] = ()
    absent: Sequence[str] = ()
    ended_at: dt.time | None = None


class LetterKind(StrEnum):
    """Every letter the product writes; the value is the template's name."""

    APPROVAL_REQUEST = "anmodning_om_godkendelse"
    REMINDER = "rykker"
    ESCALATION = "eskalering"
    APPROVAL_NOTICE = "godkendelsesmeddelelse"
    REJECTION_NOTICE = "meddelelse_om_afslag"
    IMPLEMENTATION_REQUEST = "anmodning_om_implementering"


@dataclass(frozen=True)
class RecipientView:
    """Whom a letter is addressed to: a party, a manager or a cluster."""

    name: str
    address_lines: Sequence[str] = ()
    attention: str | None = None
    """The Att. line, e.g. the council's secretariat or the manager's name."""


@dataclass(frozen=True)
class PartyStatusView:
    """One party's state in a round, as a manager or an escalation letter shows it."""

    name: str
    status: str
    """Danish label shown as is, e.g. "Afventer", "Godkendt"."""
    approved: bool = False
    rejected: bool = False
    overdue: bool = False
    deadline: dt.date | None = None
    decided_on: dt.date | None = None
    certainty: str = ""
    """e.g. "omstridt: medlemskab: ..." when the party was asked on data not confirmed."""


@dataclass(frozen=True)
class LetterView:
    """A letter about one agreement. Which fields a kind needs is checked when rendering."""

    kind: LetterKind
    date: dt.date
    sender: str
    """The sending body, e.g. "Sundhedssamarbejdsudvalget, Region Midtjylland"; PDF author."""
    recipient: RecipientView
    agreement_title: str
    case_number: str
    """KLE case number, e.g. "29.30.08-P27-1-21"."""
    case_handler: str
    """Signs the letter."""
    deadline: dt.date | None = None
    message: str = ""
    """Markdown; the sender's own words, printed after the standard text."""
    decision_body: str = ""
    """Who decided (godkendelse/afslag), e.g. "Byrådet"."""
    decision_date: dt.date | None = None
    reason: str = ""
    """Markdown; why it was rejected or why the case is escalated."""
    parties: Sequence[PartyStatusView] = ()
    """The round's parties. Eskalering lists those that have neither approved nor rejected;
    anmodning om implementering lists them all, and all must have approved."""
    reminders_sent: int = 0
    """Reminders already sent before this letter (a rykker calls itself number n + 1)."""
    case_handler_email: str = ""
    attachments: Sequence[str] = ()
    """Names of enclosures (bilag) that travel separately, e.g. the Word draft in the mail."""
    enclosures: Sequence[PdfAttachment] = ()
    """Enclosures as PDF, appended to the letter and listed with pages (the party's draft)."""
    action_link: str = ""
    """Where the reader records its decision (the dashboard page), printed as text."""
    changes: TextChangesView | None = None
    """A request in round 2 and later: what changed since the previous round."""


@dataclass(frozen=True)
class AgreementStatusView:
    """One agreement's row in the manager's status report."""

    title: str
    case_number: str
    state: str
    """Danish label of the agreement's state."""
    deadline: dt.date | None = None
    parties: Sequence[PartyStatusView] = ()


@dataclass(frozen=True)
class StatusReportView:
    """Status for managers: agreements x parties, and what is overdue."""

    title: str
    author: str
    date: dt.date
    agreements: Sequence[AgreementStatusView]


@dataclass(frozen=True)
class DraftItemView:
    """A council's own draft of its agenda item about an agreement (Word and PDF).

    Meeting date and item number are the council's to fill in; everything else comes from the
    agreement and the round.
    """

    council: str
    """The party, e.g. "Herning Byråd"."""
    sender: str
    """Who asks, e.g. "Sundhedssamarbejdsudvalget, Region Midtjylland"."""
    date: dt.date
    agreement_title: str
    case_number: str
    case_handler: str
    deadline: dt.date | None
    resume: str
    """Plain text; paragraphs separated by blank lines."""
    sagsfremstilling: Sequence[str]
    """Plain paragraphs."""
    recommendations: Sequence[str]
    """The "at ..." clauses."""
    route: Sequence[RouteStep] = ()
    filled_by: str = "kommunen"
    """Who fills in the meeting date, item number and decision ("regionen" for the region)."""
