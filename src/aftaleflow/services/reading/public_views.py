"""The public read model's plain values: what /offentlig/, the feeds and open data show.

Built by `services.reading.public`; nothing here holds anything that is not public.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class PublicQuery:
    """Filters of the public list, as given in the address; `check()` validates them."""

    region: str | None = None
    cluster: str | None = None
    state: str | None = None
    year: int | None = None
    q: str | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class PublicSummary:
    id: int
    title: str
    kind: str
    kind_label: str
    kle_number: str
    region_key: str
    region: str
    area_key: str | None
    area: str | None
    state: str
    state_label: str
    round_no: int
    year: int
    updated_at: datetime
    approved: int = 0
    parties: int = 0

    @property
    def progress(self) -> str:
        return f"{self.approved} af {self.parties} godkendt"


@dataclass(frozen=True)
class PublicDecision:
    id: int
    agreement_id: int
    agreement_title: str
    region_key: str
    round_no: int
    text_version: int
    party_key: str
    party: str
    state: str
    state_label: str
    deadline: date | None
    meeting_date: date | None
    decided_on: date | None
    protocol_ref: str | None
    updated_at: datetime


@dataclass(frozen=True)
class PublicText:
    version_no: int
    round_no: int | None
    sent_on: date | None
    title: str
    description: str
    body: str
    attachments: list[str]


@dataclass(frozen=True)
class PublicDocument:
    id: int
    kind_label: str
    title: str
    meeting_day: date
    body: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PublicImplementation:
    area: str
    state_label: str
    started_on: date | None
    completed_on: date | None


@dataclass(frozen=True)
class PublicAgreement:
    summary: PublicSummary
    description: str
    case_handler: str | None
    text: PublicText | None
    decisions: list[PublicDecision]
    documents: list[PublicDocument]
    implementations: list[PublicImplementation]

    @property
    def rounds(self) -> list[tuple[int, list[PublicDecision]]]:
        """Newest round first, each round's parties regional council first, then by name."""
        by_round: dict[int, list[PublicDecision]] = defaultdict(list)
        for d in self.decisions:
            by_round[d.round_no].append(d)
        return sorted(by_round.items(), reverse=True)


@dataclass(frozen=True)
class PublicList:
    items: list[PublicSummary]
    total: int
    query: PublicQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


@dataclass(frozen=True)
class Facets:
    regions: list[tuple[str, str]]
    clusters: list[tuple[str, str]]
    states: list[tuple[str, str]]
    years: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PublicStamp:
    """What every public answer depends on: the newest audit event (every change appends
    one) and the day (publication from a date). Conditional requests are answered from it."""

    last_event: int
    changed_at: datetime | None
    today: date
    chain_head: str = ""
    """The newest event's hash: two databases with as many events still differ."""

    @property
    def tag(self) -> str:
        return f"{self.last_event}.{self.chain_head[:20]}.{self.today.isoformat()}"
