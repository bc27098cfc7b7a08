"""Tables: governance master data (effective-dated) and the agreement aggregate.

States are stored as plain strings; which ones exist and how they change is declared once in
`domain.machines`. Rows that several people change at once carry a `version` column that
SQLAlchemy checks on every UPDATE (optimistic concurrency).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Column, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from aftaleflow.domain.kinds import (  # noqa: F401  (re-exported: the tables' old home)
    KIND_LABELS,
    ORIGIN_LABELS,
    AgreementKind,
    AgreementOrigin,
)


def _version_column() -> Column[int]:
    return Column("version", Integer, nullable=False)


_agreement_version = _version_column()
_approval_version = _version_column()
_implementation_version = _version_column()


class Region(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    code: str | None = None
    valid_from: date
    valid_to: date | None = None
    note: str | None = None


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, description="Kommunekode, 3 cifre")
    name: str = Field(index=True)


class RegionMembership(SQLModel, table=True):
    """A municipality's region for a period; a change ends the row and starts a new one."""

    __tablename__ = "region_membership"
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    valid_from: date
    valid_to: date | None = None


class Cluster(SQLModel, table=True):
    """A sundhedsklynge (2022-2026) or a sundhedsråd's area (from 2027)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    kind: str = Field(description="sundhedsklynge | sundhedsraad")
    region_id: int = Field(foreign_key="region.id", index=True)
    acute_hospital: str | None = None
    valid_from: date
    valid_to: date | None = None


class ClusterMembership(SQLModel, table=True):
    """A municipality in a cluster or sundhedsråd area for a period, with its confidence.

    Never overwritten: a corrected membership ends this row and starts a new one, so two rows
    may share a start day (one of them ended before it began).
    """

    __tablename__ = "cluster_membership"
    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    valid_from: date
    valid_to: date | None = None
    confidence: str = Field(description="confirmed | probable | disputed")
    source: str


class Body(SQLModel, table=True):
    """A political body that meets and decides: council, committee, SSU, cluster level."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    short_name: str | None = Field(default=None, description="Forkortelse, fx FOU")
    kind: str = Field(index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id")
    email: str | None = None
    valid_from: date
    valid_to: date | None = None


class ApprovalRule(SQLModel, table=True):
    __tablename__ = "approval_rule"
    __table_args__ = (UniqueConstraint("kind", "valid_from"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    valid_from: date
    valid_to: date | None = None
    approvers: str = Field(description="comma-separated selectors")
    implementers: str
    forum: str = Field(default="none", description="ssu_of_region | sundhedsraad_of_area | none")
    area_kind: str
    confirmed: bool
    source: str


class OriginRule(SQLModel, table=True):
    """Where an agreement may come from on a day (e.g. "Bestilling fra SSU" until 2026-12-31),
    in the master data's order (the first valid one is the default)."""

    __tablename__ = "origin_rule"
    __table_args__ = (UniqueConstraint("key", "valid_from"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    label: str
    valid_from: date
    valid_to: date | None = None
    first_state: str = Field(description="proevehandling | under_udarbejdelse")
    position: int
    confirmed: bool
    source: str


class Succession(SQLModel, table=True):
    """Who takes over from a region, area or body that ceases (one row per successor).

    `successor_key` None means the predecessor has no successor (e.g. the SSU in 2027).
    """

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(index=True, description="region | area | body")
    predecessor_key: str = Field(index=True)
    successor_key: str | None = None
    valid_from: date
    confirmed: bool
    source: str


class MasterDataLoad(SQLModel, table=True):
    __tablename__ = "masterdata_load"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True)
    loaded_at: datetime


class Agreement(SQLModel, table=True):
    """A samarbejdsaftale (or local agreement / klyngemidler decision) and its case."""

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _agreement_version}

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(index=True)
    description: str = ""
    kind: str = Field(index=True)
    origin: str
    origin_cluster_id: int | None = Field(default=None, foreign_key="cluster.id")
    kle_number: str
    case_handler: str
    region_id: int = Field(foreign_key="region.id", index=True)
    state: str = Field(index=True)
    round_no: int = 0
    text_version: int = 1
    approval_deadline: date | None = None
    # the round the fixed approval deadline was given for; other rounds follow the policy
    approval_deadline_round: int | None = None
    implementation_deadline: date | None = None
    created_at: datetime
    updated_at: datetime
    version: int | None = Field(default=None, sa_column=_agreement_version)
    publication: str = Field(default="ved_indstilling",
                             sa_column_kwargs={"server_default": "ved_indstilling"},
                             description="ved_indstilling | fra_dato | aldrig "
                                         "(domain.publication)")
    public_from: date | None = None
    """With publication 'fra_dato': the first day the public pages show the agreement."""


def noted_condition(prefix: str) -> str:
    """An approval has a meeting date, a decision date or a note (protocol, comment,
    certainty): the condition of the partial index `ix_approval_noted`, and of the matrix's
    query that the index serves (the two must read the same for SQLite to use the index)."""
    p = prefix
    return (f"COALESCE({p}meeting_date, {p}decided_on) IS NOT NULL OR COALESCE("
            f"{p}protocol_ref, {p}comment, {p}certainty, {p}certainty_source) IS NOT NULL")


class Approval(SQLModel, table=True):
    """One party's decision in one approval round of an agreement."""

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _approval_version}
    __table_args__ = (
        UniqueConstraint("agreement_id", "round_no", "body_id"),
        # the few approvals that have a meeting, a decision or a note (most cells of a
        # running round have none): the status matrix reads them through this index
        # instead of scanning every approval (`services.reading.matrix._NOTED`)
        Index("ix_approval_noted", "id", sqlite_where=text(noted_condition("")),
              postgresql_where=text(noted_condition(""))),
    )

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    round_no: int
    text_version: int
    body_id: int = Field(foreign_key="body.id", index=True)
    state: str = Field(index=True)
    deadline: date | None = None
    meeting_date: date | None = None
    decided_on: date | None = None
    protocol_ref: str | None = None
    comment: str | None = None
    updated_at: datetime
    version: int | None = Field(default=None, sa_column=_approval_version)
    certainty: str | None = Field(default=None, description="None | probable | disputed: the "
                                  "party was asked on data not confirmed when the round began")
    certainty_source: str | None = None


class Implementation(SQLModel, table=True):
    """One cluster's implementation of an approved agreement."""

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _implementation_version}
    __table_args__ = (UniqueConstraint("agreement_id", "cluster_id"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    state: str = Field(index=True)
    started_on: date | None = None
    completed_on: date | None = None
    comment: str | None = None
    updated_at: datetime
    version: int | None = Field(default=None, sa_column=_implementation_version)
    ended_on: date | None = Field(default=None, description="the last day of an area that "
                                  "ceased; the row stays, its successors are linked")


class ImplementationSuccession(SQLModel, table=True):
    """An ended implementation and the one that continues it in a successor area.

    A cluster that merges gives one row; a cluster that splits gives one row per successor area.
    """

    __tablename__ = "implementation_succession"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id"),)
    id: int | None = Field(default=None, primary_key=True)
    predecessor_id: int = Field(foreign_key="implementation.id", index=True)
    successor_id: int = Field(foreign_key="implementation.id", index=True)
    valid_from: date


class AgreementParty(SQLModel, table=True):
    """A municipality the case handler names as party (kinds whose parties are chosen)."""

    __tablename__ = "agreement_party"
    __table_args__ = (UniqueConstraint("agreement_id", "municipality_id"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id")


class AuditEvent(SQLModel, table=True):
    """One link of the tamper-evident chain: each row hashes its content and the previous hash."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: str = Field(description="ISO 8601 time with offset")
    actor: str
    entity: str
    entity_id: int | None = None
    agreement_id: int | None = Field(default=None, index=True)
    trigger: str
    from_state: str | None = None
    to_state: str | None = None
    comment: str | None = None
    prev_hash: str
    hash: str = Field(unique=True)


class User(SQLModel, table=True):
    """A person with an API token; only hashes of the token and of the feed key are stored.

    Token times are naive UTC, compared in SQL, so both backends agree.
    """

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str
    body_id: int | None = Field(default=None, foreign_key="body.id")
    token_hash: str = Field(unique=True, index=True)
    token_hint: str
    active: bool = True
    created_at: datetime
    token_expires_at: datetime | None = None
    token_revoked_at: datetime | None = None
    token_last_used_at: datetime | None = None
    feed_key_hash: str | None = Field(default=None, unique=True, index=True)
    feed_key_hint: str | None = None
    oidc_subject: str | None = Field(default=None, unique=True, index=True,
                                     description="issuer and sub of an OpenID Connect user")


class WebSession(SQLModel, table=True):
    """A dashboard login: the cookie holds a random key, the database its hash.

    Logging out, revoking or rotating the user's token ends it at once on the server.
    """

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None


class AnswerLink(SQLModel, table=True):
    """A council's answer link for one party and round: only the secret's SHA-256 is stored.

    One row per mail that carried a link (the request and each reminder), all bound to the same
    approval (party and round). It works until the round ends or `expires_at`, until a final
    decision is recorded through any of them (`used_at`), or until revoked.
    """

    __tablename__ = "answer_link"
    id: int | None = Field(default=None, primary_key=True)
    secret_hash: str = Field(unique=True, index=True)
    approval_id: int = Field(foreign_key="approval.id", index=True)
    sent_to: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    used_at: datetime | None = None


class LoginFlow(SQLModel, table=True):
    """An OpenID Connect sign-in under way (state, nonce, PKCE verifier), at most 10 minutes;
    the browser holds a random key, this row its hash. Deleted when the provider answers."""

    __tablename__ = "login_flow"
    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(unique=True, index=True)
    data: str
    expires_at: datetime
