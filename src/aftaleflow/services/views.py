"""Read models returned by services: plain data, safe to print, serialise or template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, NamedTuple, Protocol

from pydantic import Field, PlainSerializer

CERTAINTY_LABELS = {"probable": "foreløbig", "disputed": "omstridt"}


def utc_z(value: datetime | str) -> str:
    """A moment in the API's one form: UTC with `Z` (stored naive times are UTC already)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# A datetime field of a read model: shown in Danish time by the CLI and the dashboard, but
# always UTC with `Z` in the API's JSON (pydantic serialises with it; asdict() ignores it).
Moment = Annotated[datetime, PlainSerializer(utc_z, return_type=str, when_used="json")]
MomentText = Annotated[str, PlainSerializer(utc_z, return_type=str, when_used="json")]
# A file's place on the server: for the CLI and the services, never in an API answer.
ServerPath = Annotated[str, Field(exclude=True)]


@dataclass(frozen=True)
class ApprovalView:
    id: int
    body_key: str
    body: str
    body_kind: str
    state: str
    state_label: str
    round_no: int
    text_version: int
    deadline: date | None
    meeting_date: date | None
    decided_on: date | None
    protocol_ref: str | None
    comment: str | None
    version: int
    certainty: str | None = None  # probable | disputed: asked on data not confirmed
    certainty_source: str | None = None
    deadline_rule: str = ""  # the rule the deadline was counted with (days, closing days)
    past_deadline: bool = False  # undecided and the deadline has passed (on the service's day)
    cell: str = ""  # the party's matrix cell, as every adapter shows it (`reading.cells`)

    @property
    def certainty_label(self) -> str:
        """'foreløbig' or 'omstridt' (empty when the party's basis is confirmed)."""
        return CERTAINTY_LABELS.get(self.certainty or "", "")


@dataclass(frozen=True)
class ImplementationView:
    id: int
    cluster_key: str
    cluster: str
    state: str
    state_label: str
    started_on: date | None
    completed_on: date | None
    comment: str | None
    version: int


@dataclass(frozen=True)
class ActionView:
    """An action of the agreement's current state: available now, or why not (Danish)."""

    trigger: str
    label: str
    available: bool
    reason: str | None = None


@dataclass(frozen=True)
class AgreementView:
    id: int
    title: str
    description: str
    kind: str
    kind_label: str
    origin: str
    origin_label: str
    origin_cluster: str | None
    kle_number: str
    case_handler: str
    region_key: str
    region: str
    state: str
    state_label: str
    round_no: int
    text_version: int
    approval_deadline: date | None
    implementation_deadline: date | None
    created_at: Moment
    updated_at: Moment
    version: int
    allowed_triggers: list[str]
    approvals_total: int = 0
    approvals_approved: int = 0
    approvals: list[ApprovalView] = field(default_factory=list)
    implementations: list[ImplementationView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)
    forum: str | None = None
    chosen_parties: list[str] = field(default_factory=list)  # municipalities named as parties

    @property
    def progress(self) -> str:
        return f"{self.approvals_approved} af {self.approvals_total} godkendt"


class ApprovalCell(NamedTuple):
    """One cell of the approval matrix: ApprovalView's fields in its order, as a plain tuple
    (a 1,000 × 23 matrix builds 23,000 of them; a tuple costs a fraction of a dataclass)."""

    id: int
    body_key: str
    body: str
    body_kind: str
    state: str
    state_label: str
    round_no: int
    text_version: int
    deadline: date | None
    meeting_date: date | None
    decided_on: date | None
    protocol_ref: str | None
    comment: str | None
    version: int
    certainty: str | None = None
    certainty_source: str | None = None
    deadline_rule: str = ""
    past_deadline: bool = False

    @property
    def certainty_label(self) -> str:
        return CERTAINTY_LABELS.get(self.certainty or "", "")


@dataclass(frozen=True)
class MatrixRow:
    """One agreement of the approval matrix with its current round's cells, in party order
    (the regionsråd first, then by name). Field names match AgreementView's."""

    id: int
    title: str
    kind: str
    kind_label: str
    origin_cluster: str | None
    kle_number: str
    case_handler: str
    region_key: str
    region: str
    state: str
    state_label: str
    round_no: int
    text_version: int
    approvals: list[ApprovalCell]
    approvals_total: int
    approvals_approved: int

    @property
    def progress(self) -> str:
        return f"{self.approvals_approved} af {self.approvals_total} godkendt"


class ApprovalLike(Protocol):
    """What the matrix, the overview and the exports read of an approval (view or cell)."""

    @property
    def id(self) -> int: ...
    @property
    def body_key(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def body_kind(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def state_label(self) -> str: ...
    @property
    def deadline(self) -> date | None: ...
    @property
    def meeting_date(self) -> date | None: ...
    @property
    def decided_on(self) -> date | None: ...
    @property
    def deadline_rule(self) -> str: ...
    @property
    def past_deadline(self) -> bool: ...
    @property
    def certainty(self) -> str | None: ...
    @property
    def certainty_source(self) -> str | None: ...
    @property
    def certainty_label(self) -> str: ...


class AgreementLike(Protocol):
    """What the matrix, the overview and the exports read of an agreement (view or row)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def origin_cluster(self) -> str | None: ...
    @property
    def kle_number(self) -> str: ...
    @property
    def case_handler(self) -> str: ...
    @property
    def region_key(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def state_label(self) -> str: ...
    @property
    def round_no(self) -> int: ...
    @property
    def approvals(self) -> Sequence[ApprovalLike]: ...
    @property
    def approvals_total(self) -> int: ...
    @property
    def approvals_approved(self) -> int: ...
    @property
    def progress(self) -> str: ...


@dataclass(frozen=True)
class AuditView:
    id: int
    at: MomentText
    actor: str
    entity: str
    entity_id: int | None
    trigger: str
    from_state: str | None
    to_state: str | None
    comment: str | None
    hash: str
    forum: str | None = None  # what labels of this step say instead of "SSU", if not the SSU


@dataclass(frozen=True)
class AgendaItemView:
    id: int
    meeting_id: int
    number: int
    title: str
    closed: bool
    agreement_id: int | None
    approval_id: int | None
    case_number: str
    case_handler: str
    other_handlers: str
    route: list[str]
    route_current: str | None
    summary: str
    account: str
    recommender: str
    recommendations: list[str]
    decision_text: str | None
    decision: str | None
    attachments: list[str]
    late_reason: str | None
    version: int
    attachment_files: list[str] = field(default_factory=list)
    """Names of the bilag given as PDF files (appended to the item's PDF)."""


@dataclass(frozen=True)
class MeetingView:
    id: int
    body_key: str
    body: str
    body_kind: str
    starts_at: Moment
    place: str
    items: list[AgendaItemView] = field(default_factory=list)
    has_time: bool = True
    """False when only the meeting's date is known."""


def to_jsonable(value: Any) -> Any:
    """Dataclasses, dates and lists as JSON-ready structures."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, ApprovalCell):
        value = value._asdict()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
