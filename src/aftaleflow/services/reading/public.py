"""The public read model (`/offentlig/`, the feeds and open data): no login, only what is public.

Stricter than any logged-in view, and built apart from them so nothing private can slip in
through a shared view: an agreement is seen only while `domain.publication` says so (a case
handler's choice, by default from the day it is sent for approval); of it, the public sees
its sent text versions (never a draft), each party's decision (state, meeting date, decision
date, protocol reference, deadline; never a comment), its implementation per area and the
public agenda and minutes of meetings where it was an open item. Never a closed item, a
letter, a person's e-mail, the audit trail, or the case handler's name unless
`AFTALEFLOW_PUBLIC_CASE_HANDLER` is set. An agreement that is not public is answered exactly
as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from aftaleflow.config import TIMEZONE, get_settings, local_time
from aftaleflow.db import Prepared, one_read
from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.machines import AGREEMENT, APPROVAL, IMPLEMENTATION
from aftaleflow.domain.meetings import AgendaItem, Meeting, StoredDocument
from aftaleflow.domain.model import (
    KIND_LABELS,
    Agreement,
    Approval,
    AuditEvent,
    Body,
    Cluster,
    Implementation,
    Region,
)
from aftaleflow.domain.publication import Publication
from aftaleflow.domain.texts import AgreementText, split_names
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.reading.public_views import (
    Facets,
    PublicAgreement,
    PublicDecision,
    PublicDocument,
    PublicImplementation,
    PublicList,
    PublicQuery,
    PublicStamp,
    PublicSummary,
    PublicText,
)
from aftaleflow.services.uow import ServiceContext, UnitOfWork

PUBLIC_DOCUMENT_KINDS = {"dagsorden_offentlig": "Dagsorden (offentlig udgave)",
                         "beslutningsprotokol_offentlig": "Beslutningsprotokol (offentlig udgave)"}
PAGE_SIZES = (25, 50, 100, 250, 1000)
STATES = tuple(s.name for s in AGREEMENT.states)


def not_public(agreement_id: int | str) -> NotFound:
    """The one answer for an agreement that does not exist and one that is not public."""
    return NotFound(f"Der er ingen offentlig samarbejdsaftale med nummer {agreement_id}.")


# --- the rule, in SQL ---------------------------------------------------------------------
def public_condition(today: date) -> ColumnElement[bool]:
    """`domain.publication.is_public` as a WHERE clause."""
    return or_(and_(col(Agreement.publication) == Publication.AT_RECOMMENDATION,
                    col(Agreement.round_no) >= 1),
               and_(col(Agreement.publication) == Publication.FROM_DATE,
                    col(Agreement.public_from) <= today))


_FIRST_TEXT = (sa_select(col(AgreementText.agreement_id), col(AgreementText.sent_on))
               .where(col(AgreementText.round_no) == 1).subquery())
# The title and description the parties were sent (the case's working title may be a draft).
_SENT = sa_select(col(AgreementText.agreement_id), col(AgreementText.round_no),
                  col(AgreementText.title), col(AgreementText.description)).where(
    col(AgreementText.round_no).is_not(None)).subquery()
_SUMMARY = (
    sa_select(col(Agreement.id), func.coalesce(_SENT.c.title, col(Agreement.title)),
              col(Agreement.kind),
              col(Agreement.kle_number), col(Region.key), col(Region.name), col(Cluster.key),
              col(Cluster.name), col(Agreement.state), col(Agreement.round_no),
              col(Agreement.created_at), _FIRST_TEXT.c.sent_on, col(Agreement.updated_at),
              func.coalesce(_SENT.c.description, col(Agreement.description)))
    .join(Region, col(Region.id) == col(Agreement.region_id))
    .outerjoin(Cluster, col(Cluster.id) == col(Agreement.origin_cluster_id))
    .outerjoin(_FIRST_TEXT, _FIRST_TEXT.c.agreement_id == col(Agreement.id))
    .outerjoin(_SENT, and_(_SENT.c.agreement_id == col(Agreement.id),
                           _SENT.c.round_no == col(Agreement.round_no))))


def _summary(row: Any, counts: dict[int, tuple[int, int]]) -> PublicSummary:
    (id_, title, kind, kle, region_key, region, area_key, area, state, round_no, created,
     sent_on, updated, _description) = row
    approved, parties = counts.get(id_, (0, 0))
    return PublicSummary(id_, title, kind, KIND_LABELS.get(kind, kind), kle, region_key, region,
                         area_key, area, state, AGREEMENT.label_of(state), round_no,
                         (sent_on or created).year, updated, approved, parties)


def _counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Approved and all parties of each agreement's current round, in one grouped query."""
    if not ids:
        return {}
    approved = func.sum(case((col(Approval.state) == "godkendt", 1), else_=0))
    rows = session.execute(
        sa_select(col(Approval.agreement_id), approved, func.count())
        .join(Agreement, and_(col(Agreement.id) == col(Approval.agreement_id),
                              col(Agreement.round_no) == col(Approval.round_no)))
        .where(col(Approval.agreement_id).in_(ids)).group_by(col(Approval.agreement_id)))
    return {a: (int(n or 0), int(total)) for a, n, total in rows}


# --- validation ---------------------------------------------------------------------------
def check(session: Session, query: PublicQuery) -> PublicQuery:
    """Every filter checked against what exists; a Danish message names the valid values."""
    if query.region is not None and session.execute(sa_select(col(Region.id)).where(
            col(Region.key) == query.region)).first() is None:
        keys = ", ".join(session.execute(sa_select(col(Region.key)).order_by(
            col(Region.key))).scalars())
        raise ValidationFailed(f"Ukendt region '{query.region}'. Gyldige: {keys}.")
    if query.cluster is not None and session.execute(sa_select(col(Cluster.id)).where(
            col(Cluster.key) == query.cluster)).first() is None:
        raise ValidationFailed(f"Ukendt sundhedsklynge eller sundhedsråd '{query.cluster}'. "
                               "Vælg et område på listen.")
    if query.state is not None and query.state not in STATES:
        raise ValidationFailed(f"Ukendt tilstand '{query.state}'. Gyldige: "
                               f"{', '.join(STATES)}.")
    if query.year is not None and not 2000 <= query.year <= 2100:
        raise ValidationFailed("År skal være mellem 2000 og 2100.")
    if query.page < 1 or query.page > 100_000:
        raise ValidationFailed("Side skal være et tal fra 1.")
    if query.per_page not in PAGE_SIZES:
        raise ValidationFailed(f"Antal pr. side skal være en af "
                               f"{', '.join(map(str, PAGE_SIZES))}.")
    q = clean_text(query.q, "søgetekst", max_len=200, single_line=True) if query.q else None
    return PublicQuery(query.region, query.cluster, query.state, query.year, q or None,
                       query.page, query.per_page)


def _filtered(query: PublicQuery, today: date) -> Any:
    statement = _SUMMARY.where(public_condition(today))
    if query.region:
        statement = statement.where(col(Region.key) == query.region)
    if query.cluster:
        statement = statement.where(col(Cluster.key) == query.cluster)
    if query.state:
        statement = statement.where(col(Agreement.state) == query.state)
    if query.year:
        first, last = date(query.year, 1, 1), date(query.year, 12, 31)
        statement = statement.where(or_(
            _FIRST_TEXT.c.sent_on.between(first, last),
            and_(_FIRST_TEXT.c.sent_on.is_(None),
                 col(Agreement.created_at) >= datetime(query.year, 1, 1, tzinfo=TIMEZONE),
                 col(Agreement.created_at) < datetime(query.year + 1, 1, 1, tzinfo=TIMEZONE))))
    return statement.order_by(col(Agreement.id).desc())


def _matches(row: Any, words: list[str]) -> bool:
    haystack = f"{row[1]} {row[3]} {row[13]} {row[5]} {row[7] or ''}".casefold()
    return all(w in haystack for w in words)


# --- services ------------------------------------------------------------------------------
_HEAD = Prepared(sa_select(col(AuditEvent.id), col(AuditEvent.at), col(AuditEvent.hash))
                 .order_by(col(AuditEvent.id).desc()).limit(1))


def public_stamp(ctx: ServiceContext) -> PublicStamp:
    """One indexed read on a plain connection: every public request starts with it."""
    with one_read(ctx.engine).connect() as conn:
        row = _HEAD.first(conn, {})
    if row is None:
        return PublicStamp(0, None, ctx.now().date())
    return PublicStamp(row[0], datetime.fromisoformat(row[1]), ctx.now().date(), row[2])


def list_public(ctx: ServiceContext, query: PublicQuery) -> PublicList:
    """The public agreements matching the filters, newest first, one page."""
    today = ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        query = check(s, query)
        statement = _filtered(query, today)
        start = (query.page - 1) * query.per_page
        if query.q:
            words = query.q.casefold().split()
            rows = [r for r in s.execute(statement) if _matches(r, words)]
            total, rows = len(rows), rows[start:start + query.per_page]
        else:
            total = s.execute(sa_select(func.count()).select_from(
                statement.order_by(None).subquery())).scalar_one()
            rows = list(s.execute(statement.limit(query.per_page).offset(start)))
        counts = _counts(s, [r[0] for r in rows])
        return PublicList([_summary(r, counts) for r in rows], total, query)


def facets(ctx: ServiceContext) -> Facets:
    """The choices of the list's filters: regions, areas, states and the years in use."""
    today = ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        regions = [(k, n) for k, n in s.execute(sa_select(col(Region.key), col(Region.name))
                                                .order_by(col(Region.name)))]
        clusters = [(k, n) for k, n in s.execute(sa_select(col(Cluster.key), col(Cluster.name))
                                                 .order_by(col(Cluster.name)))]
        years = sorted({(sent or created).year for sent, created in s.execute(
            sa_select(_FIRST_TEXT.c.sent_on, col(Agreement.created_at))
            .outerjoin(_FIRST_TEXT, _FIRST_TEXT.c.agreement_id == col(Agreement.id))
            .where(public_condition(today)))}, reverse=True)
    return Facets(regions, clusters, [(s.name, s.label) for s in AGREEMENT.states], years)


def get_public(ctx: ServiceContext, agreement_id: int) -> PublicAgreement:
    """One public agreement with its sent text, decisions, documents and implementation."""
    today = ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        row = s.execute(_SUMMARY.where(public_condition(today),
                                       col(Agreement.id) == agreement_id)).first()
        if row is None:
            raise not_public(agreement_id)
        summary = _summary(row, _counts(s, [agreement_id]))
        handler = s.execute(sa_select(col(Agreement.case_handler)).where(
            col(Agreement.id) == agreement_id)).scalar_one()
        return PublicAgreement(
            summary=summary, description=row[13],
            case_handler=handler if get_settings().public_case_handler else None,
            text=_sent_text(s, agreement_id),
            decisions=_decisions(s, [agreement_id], {agreement_id: summary}),
            documents=_documents(s, agreement_id),
            implementations=_implementations(s, agreement_id))


def decisions_of(ctx: ServiceContext, *, agreement_id: int | None = None,
                 region: str | None = None, limit: int = 100) -> list[PublicDecision]:
    """Decisions taken (godkendt, afvist, udsat) on public agreements, newest first: the feed."""
    today = ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        if region is not None:
            check(s, PublicQuery(region=region))
        statement = _SUMMARY.where(public_condition(today))
        if agreement_id is not None:
            statement = statement.where(col(Agreement.id) == agreement_id)
        if region is not None:
            statement = statement.where(col(Region.key) == region)
        summaries = {r[0]: _summary(r, {}) for r in s.execute(statement)}
        if agreement_id is not None and not summaries:
            raise not_public(agreement_id)
        decided = [d for d in _decisions(s, list(summaries), summaries)
                   if d.decided_on is not None]
    decided.sort(key=lambda d: (d.updated_at, d.id), reverse=True)
    return decided[:limit]


def public_agreements_with_decisions(ctx: ServiceContext, query: PublicQuery
                                     ) -> tuple[PublicList, list[PublicDecision]]:
    """One page of the list and every decision of its agreements (open data)."""
    listing = list_public(ctx, query)
    with UnitOfWork(ctx, read_only=True) as uow:
        decisions = _decisions(uow.session, [a.id for a in listing.items],
                               {a.id: a for a in listing.items})
    return listing, decisions


@dataclass(frozen=True)
class PublicFile:
    name: str
    path: Path
    sha256: str


def public_document(ctx: ServiceContext, document_id: int) -> PublicFile:
    """A public agenda or minutes of a meeting where a public agreement was an open item."""
    today = ctx.now().date()
    with UnitOfWork(ctx, read_only=True) as uow:
        row = uow.session.execute(
            sa_select(col(StoredDocument.path), col(StoredDocument.sha256),
                      col(StoredDocument.kind))
            .where(col(StoredDocument.id) == document_id,
                   col(StoredDocument.kind).in_(PUBLIC_DOCUMENT_KINDS),
                   col(StoredDocument.meeting_id).in_(
                       sa_select(col(AgendaItem.meeting_id))
                       .join(Agreement, col(Agreement.id) == col(AgendaItem.agreement_id))
                       .where(col(AgendaItem.closed).is_(False), public_condition(today))))
        ).first()
    if row is None:
        raise NotFound(f"Der er intet offentligt dokument med nummer {document_id}.")
    return PublicFile(f"{row[2]}-{document_id}.pdf", Path(row[0]), row[1])


# --- pieces -------------------------------------------------------------------------------
def _sent_text(s: Session, agreement_id: int) -> PublicText | None:
    """The newest text version sent to the parties; drafts are never public."""
    t = s.execute(sa_select(AgreementText).where(
        col(AgreementText.agreement_id) == agreement_id,
        col(AgreementText.round_no).is_not(None))
        .order_by(col(AgreementText.version_no).desc()).limit(1)).scalars().first()
    if t is None:
        return None
    return PublicText(t.version_no, t.round_no, t.sent_on, t.title, t.description, t.body,
                      split_names(t.attachment_names))


def _decisions(s: Session, ids: list[int], summaries: dict[int, PublicSummary]
               ) -> list[PublicDecision]:
    if not ids:
        return []
    rows = s.execute(
        sa_select(col(Approval.id), col(Approval.agreement_id), col(Approval.round_no),
                  col(Approval.text_version), col(Body.key), col(Body.name), col(Body.kind),
                  col(Approval.state), col(Approval.deadline), col(Approval.meeting_date),
                  col(Approval.decided_on), col(Approval.protocol_ref),
                  col(Approval.updated_at))
        .join(Body, col(Body.id) == col(Approval.body_id))
        .where(col(Approval.agreement_id).in_(ids)))
    decisions = [(kind != "regionsraad", PublicDecision(
        id_, agreement, summaries[agreement].title, summaries[agreement].region_key, round_no,
        text_version, key, name, state, APPROVAL.label_of(state), deadline, meeting, decided,
        protocol, updated))
        for (id_, agreement, round_no, text_version, key, name, kind, state, deadline, meeting,
             decided, protocol, updated) in rows]
    decisions.sort(key=lambda x: (x[1].agreement_id, x[1].round_no, x[0], x[1].party))
    return [d for _, d in decisions]


def _documents(s: Session, agreement_id: int) -> list[PublicDocument]:
    rows = s.execute(
        sa_select(col(StoredDocument.id), col(StoredDocument.kind), col(StoredDocument.title),
                  col(Meeting.starts_at), col(Body.name), col(StoredDocument.sha256),
                  col(StoredDocument.size), col(StoredDocument.meeting_id))
        .join(Meeting, col(Meeting.id) == col(StoredDocument.meeting_id))
        .join(Body, col(Body.id) == col(Meeting.body_id))
        .where(col(StoredDocument.kind).in_(PUBLIC_DOCUMENT_KINDS),
               col(StoredDocument.meeting_id).in_(
                   sa_select(col(AgendaItem.meeting_id)).where(
                       col(AgendaItem.agreement_id) == agreement_id,
                       col(AgendaItem.closed).is_(False))))
        .order_by(col(StoredDocument.id)))
    newest: dict[tuple[int, str], PublicDocument] = {}
    for id_, kind, title, starts, body, sha, size, meeting in rows:
        newest[(meeting, kind)] = PublicDocument(id_, PUBLIC_DOCUMENT_KINDS[kind], title,
                                                 local_time(starts).date(), body, sha,
                                                 size)
    return sorted(newest.values(), key=lambda d: (d.meeting_day, d.kind_label))


def _implementations(s: Session, agreement_id: int) -> list[PublicImplementation]:
    rows = s.execute(
        sa_select(col(Cluster.name), col(Implementation.state), col(Implementation.started_on),
                  col(Implementation.completed_on))
        .join(Cluster, col(Cluster.id) == col(Implementation.cluster_id))
        .where(col(Implementation.agreement_id) == agreement_id).order_by(col(Cluster.name)))
    return [PublicImplementation(name, IMPLEMENTATION.label_of(state), started, done)
            for name, state, started, done in rows]
