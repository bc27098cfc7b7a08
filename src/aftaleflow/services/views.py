"""Read models returned by services: plain data, safe to print, serialise or template."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

CERTAINTY_LABELS = {"probable": "foreløbig", "disputed": "omstridt"}


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
    created_at: datetime
    updated_at: datetime
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


@dataclass(frozen=True)
class AuditView:
    id: int
    at: str
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


@dataclass(frozen=True)
class MeetingView:
    id: int
    body_key: str
    body: str
    body_kind: str
    starts_at: datetime
    place: str
    items: list[AgendaItemView] = field(default_factory=list)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, dates and lists as JSON-ready structures."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
