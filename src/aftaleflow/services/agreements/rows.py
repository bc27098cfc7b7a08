"""The rows around one agreement, read on SQLAlchemy Core (`domain.tables`): the agreement
itself, its region and area, the origins' labels. Each is read once per transaction (the
reader's memo), as the ORM's identity map would hold it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, select

from aftaleflow.domain import tables as t
from aftaleflow.domain.errors import NotFound
from aftaleflow.domain.kinds import ORIGIN_LABELS
from aftaleflow.services.context import Reader


class AgreementRecord(Protocol):
    """What the read model reads of an agreement: the model's instance or a plain row."""

    @property
    def id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def origin_cluster_id(self) -> int | None: ...
    @property
    def kle_number(self) -> str: ...
    @property
    def case_handler(self) -> str: ...
    @property
    def region_id(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def round_no(self) -> int: ...
    @property
    def text_version(self) -> int: ...
    @property
    def approval_deadline(self) -> date | None: ...
    @property
    def approval_deadline_round(self) -> int | None: ...
    @property
    def implementation_deadline(self) -> date | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def version(self) -> int | None: ...


_AGREEMENT = select(*t.agreement.c).where(t.agreement.c.id == bindparam("b_id"))
_REGION = select(*t.region.c).where(t.region.c.id == bindparam("b_id"))
_CLUSTER = select(*t.cluster.c).where(t.cluster.c.id == bindparam("b_id"))
_ORIGINS = select(t.origin_rule.c.key, t.origin_rule.c.label).order_by(
    t.origin_rule.c.valid_from)


def agreement_row(db: Reader, agreement_id: int) -> Any:
    """The agreement as a plain row (its columns as attributes, as the model's), or NotFound."""
    row = db.first(_AGREEMENT, {"b_id": agreement_id})
    if row is None:
        raise NotFound(f"Samarbejdsaftale {agreement_id} findes ikke.")
    return row


def region_of(db: Reader, region_id: int) -> Any:
    """The region (id, key, name, code, valid_from, valid_to); a unit of work's loaded
    instance where it has one (`cases.load_agreement` leaves it in the memo)."""
    key = ("region", region_id)
    if key not in db.memo:
        db.memo[key] = db.first(_REGION, {"b_id": region_id})
    return db.memo[key]


def cluster_of(db: Reader, cluster_id: int) -> Any:
    """The area (id, key, name, kind, region_id, valid_from, valid_to)."""
    key = ("cluster", cluster_id)
    if key not in db.memo:
        db.memo[key] = db.first(_CLUSTER, {"b_id": cluster_id})
    return db.memo[key]


def origin_labels(db: Reader) -> dict[str, str]:
    """Each origin key's label (its latest row), read once per transaction."""
    key = ("origin_labels",)
    if key not in db.memo:
        labels = dict(ORIGIN_LABELS)
        labels.update({k: v for k, v in db.rows(_ORIGINS)})
        db.memo[key] = labels
    result: dict[str, str] = db.memo[key]
    return result
