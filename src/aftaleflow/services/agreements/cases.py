"""Agreement services: create, advance, read. Each public function is one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, or_, select

from aftaleflow.db import Prepared
from aftaleflow.domain.access import Principal
from aftaleflow.domain.deadlines import refuse_past_deadline
from aftaleflow.domain.errors import Conflict, NotFound, ValidationFailed
from aftaleflow.domain.forum import replacement
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.model import (
    KIND_LABELS,
    Agreement,
    AgreementKind,
    AgreementParty,
    AuditEvent,
    Cluster,
    Region,
)
from aftaleflow.domain.validation import MAX_TITLE, clean_text, validate_kle
from aftaleflow.services.agreements import availability
from aftaleflow.services.agreements.lookup import get_agreement  # noqa: F401  (its old home)
from aftaleflow.services.agreements.part_view import concerns, events_seen_by, viewer_of
from aftaleflow.services.agreements.parties import chosen_parties
from aftaleflow.services.agreements.read_model import view_of
from aftaleflow.services.structure.origins import choose_origin
from aftaleflow.services.structure.succession import require_area_valid, require_region_valid
from aftaleflow.services.uow import ServiceContext, UnitOfWork, attach, reader_of
from aftaleflow.services.views import (
    AgreementLike,
    AgreementView,
    AuditView,
)


@dataclass(frozen=True)
class NewAgreement:
    title: str
    kind: str
    region: str
    kle_number: str
    case_handler: str
    origin: str | None = None  # None: the day's default origin in master data
    origin_cluster: str | None = None
    description: str = ""
    approval_deadline: date | None = None
    implementation_deadline: date | None = None
    parties: list[str] = field(default_factory=list)


def _choice(value: str, allowed: type[AgreementKind], field: str) -> str:
    options = [m.value for m in allowed]
    if value not in options:
        raise ValidationFailed(
            f"Ugyldig værdi for '{field}': '{value[:40]}'. Mulige: {', '.join(options)}."
        )
    return value


def _find_region(session: Session, ref: str) -> Region:
    region = session.exec(select(Region).where(
        or_(Region.key == ref.lower(), col(Region.name).ilike(ref), Region.code == ref)
    )).first()
    if region is None:
        keys = ", ".join(r.key for r in session.exec(select(Region)))
        raise NotFound(f"Ukendt region '{ref[:40]}'. Kendte regioner: {keys}.")
    return region


def _find_cluster(session: Session, ref: str, region: Region, on: date) -> Cluster:
    cluster = session.exec(select(Cluster).where(
        or_(Cluster.key == ref.lower(), col(Cluster.name).ilike(ref))
    )).first()
    if cluster is None:
        raise NotFound(f"Ukendt klynge '{ref[:60]}'.")
    if cluster.region_id != region.id:
        raise ValidationFailed(f"{cluster.name} hører ikke til {region.name}.")
    require_area_valid(session, cluster, region, on)
    return cluster


def create_agreement(ctx: ServiceContext, new: NewAgreement) -> AgreementView:
    ctx.authorize("agreement.create")
    title = clean_text(new.title, "titel", max_len=MAX_TITLE, required=True, single_line=True)
    description = clean_text(new.description, "beskrivelse")
    case_handler = clean_text(new.case_handler, "sagsbehandler", max_len=200, required=True,
                              single_line=True)
    kind = _choice(new.kind, AgreementKind, "type")
    kle = validate_kle(new.kle_number)
    # The text and search tables are written here only (a read does not build their classes).
    from aftaleflow.services.agreements.text_rows import start_text
    from aftaleflow.services.reading.indexing import index_agreement

    with UnitOfWork(ctx) as uow:
        today = uow.now.date()
        if new.approval_deadline is not None:
            refuse_past_deadline(new.approval_deadline, today, 1)
        region = _find_region(uow.session, new.region)
        assert region.id is not None
        require_region_valid(uow.session, region, today)
        cluster = None
        if new.origin_cluster:
            cluster = _find_cluster(uow.session, new.origin_cluster, region, today)
        named = chosen_parties(uow.session, kind, region, list(new.parties), today)
        origin = choose_origin(uow.session, new.origin, today)
        trial = origin.first_state == "proevehandling"
        if (trial or kind in (AgreementKind.LOCAL, AgreementKind.CLUSTER_FUNDS)) \
                and cluster is None:
            raise ValidationFailed(
                "En prøvehandling, en lokal aftale og en klyngemidler-beslutning skal have en "
                "klynge (--klynge)."
            )
        agreement = Agreement(
            title=title, description=description, kind=kind, origin=origin.key,
            origin_cluster_id=cluster.id if cluster else None, kle_number=kle,
            case_handler=case_handler, region_id=region.id, state=origin.first_state,
            approval_deadline=new.approval_deadline,
            approval_deadline_round=1 if new.approval_deadline else None,
            implementation_deadline=new.implementation_deadline,
            created_at=uow.now, updated_at=uow.now,
        )
        uow.session.add(agreement)
        uow.session.flush()
        assert agreement.id is not None
        uow.session.add_all(AgreementParty(agreement_id=agreement.id, municipality_id=m.id)
                            for m in named if m.id is not None)
        start_text(uow.session, agreement, uow.now)
        index_agreement(uow.session, agreement)
        parties = f" (parter: regionen, {', '.join(m.name for m in named)})" if named else ""
        uow.record(entity="agreement", entity_id=agreement.id, agreement_id=agreement.id,
                   trigger="opret", from_state=None, to_state=agreement.state,
                   comment=f"{KIND_LABELS[kind]}: {title}{parties}")
        uow.commit()
        return view_of(uow.reader, agreement, detail=True, principal=uow.ctx.principal,
                     today=uow.now.date())


# The region comes along in the same query (every view of an agreement needs it), as one
# plain row compiled once (`db.Prepared`); `uow.attach` makes the session's instances of it.
_AGREEMENTS, _REGIONS = Agreement.__table__, Region.__table__  # type: ignore[attr-defined]
_LOAD_SQL = (sa_select(*_AGREEMENTS.columns, *_REGIONS.columns)
             .join(_REGIONS, _REGIONS.c.id == _AGREEMENTS.c.region_id)
             .where(_AGREEMENTS.c.id == bindparam("b_id")))
_LOAD = Prepared(_LOAD_SQL)
_LOCKED_LOAD = Prepared(_LOAD_SQL.with_for_update(of=_AGREEMENTS))
# A transition's load also brings the approval rule of the day (its guards and labels ask).
_LOCKED_LOAD_WITH_RULE = Prepared(_LOAD_SQL.add_columns(
    *availability.rule_columns(_AGREEMENTS.c.kind)).with_for_update(of=_AGREEMENTS))
_SPLIT = len(_AGREEMENTS.columns)
_REGION_END = _SPLIT + len(_REGIONS.columns)


def load_agreement(session: Session, agreement_id: int, expected_version: int | None,
                   *, lock: bool = False, rule_on: date | None = None) -> Agreement:
    """Load an agreement; `lock` takes the row lock (PostgreSQL) so writers queue per case.

    `rule_on` (with `lock`): the approval rule of that day comes along in the same query.
    """
    with_rule = lock and rule_on is not None
    statement = _LOCKED_LOAD_WITH_RULE if with_rule else _LOCKED_LOAD if lock else _LOAD
    params = {"b_id": agreement_id, "b_day": rule_on} if with_rule else {"b_id": agreement_id}
    row = statement.first(session.connection(), params)
    if row is None:
        raise NotFound(f"Samarbejdsaftale {agreement_id} findes ikke.")
    agreement = attach(session, Agreement, row[:_SPLIT])
    region = attach(session, Region, row[_SPLIT:_REGION_END])
    if with_rule and rule_on is not None:
        availability.remember_rule(session.info, agreement.kind, rule_on, *row[_REGION_END:])
    # The session's identity map holds rows weakly: the read model's memo keeps the region.
    session.info[("region", region.id)] = region
    if expected_version is not None and agreement.version != expected_version:
        raise Conflict(
            f"Samarbejdsaftale {agreement_id} er ændret af en anden (version "
            f"{agreement.version}, du havde {expected_version}); den er nu i tilstanden "
            f"'{AGREEMENT.label_of(agreement.state)}'. Intet er gemt.",
            current_state=agreement.state, current_version=agreement.version,
        )
    return agreement


def advance_agreement(ctx: ServiceContext, agreement_id: int, trigger: str, *,
                      comment: str | None = None, deadline: date | None = None,
                      expected_version: int | None = None) -> AgreementView:
    """Fire a user trigger on the agreement (e.g. send_til_ssu) in one transaction.

    `deadline`: a new fixed approval deadline for the round the trigger starts.
    """
    ctx.authorize("agreement.advance")  # the one permission table decides, for every trigger
    from aftaleflow.services.agreements import lifecycle  # writes only: a read needs none

    note = clean_text(comment, "kommentar", max_len=5000) if comment else None
    with UnitOfWork(ctx) as uow:
        agreement = load_agreement(uow.session, agreement_id, expected_version, lock=True,
                                   rule_on=uow.now.date())
        availability.refuse_unavailable(uow.reader, agreement, trigger, uow.now.date())
        lifecycle.fire_agreement(uow, agreement, trigger, comment=note, deadline=deadline)
        return uow.commit_with(
            lambda: view_of(uow.reader, agreement, detail=True, principal=uow.ctx.principal,
                            today=uow.now.date()))


def agreement_forum(ctx: ServiceContext, agreement_id: int) -> str | None:
    """What the agreement's labels say instead of "SSU" today, in any state (None: the SSU).

    The agreement view looks the forum up only where its own labels name it; the lifecycle
    diagram names it in every state it draws.
    """
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        return replacement(availability.forum_on(uow.reader, agreement, uow.now.date()))


def load_visible(session: Session, principal: Principal, agreement_id: int,
                 expected_version: int | None = None, *, lock: bool = False) -> Agreement:
    """Load an agreement the principal may see; others do not exist for them."""
    agreement = load_agreement(session, agreement_id, expected_version, lock=lock)
    if not concerns(reader_of(session), principal, agreement):
        raise NotFound(f"Samarbejdsaftale {agreement_id} findes ikke.")
    return agreement


def list_agreements(ctx: ServiceContext, *, region: str | None = None,
                    state: str | None = None, kind: str | None = None,
                    cluster: str | None = None, overdue: bool | None = None,
                    text: str | None = None) -> list[AgreementView]:
    """Agreements the principal may see, filtered; `overdue` = a party past its deadline."""
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        today = uow.now.date()
        query = select(Agreement).order_by(col(Agreement.id))
        if region:
            query = query.where(Agreement.region_id == _find_region(uow.session, region).id)
        if cluster:
            area = uow.session.exec(select(Cluster).where(
                or_(Cluster.key == cluster.lower(), col(Cluster.name).ilike(cluster)))).first()
            if area is None:
                raise NotFound(f"Ukendt klynge '{cluster[:60]}'.")
            query = query.where(or_(
                Agreement.origin_cluster_id == area.id,
                (Agreement.kind == AgreementKind.REGIONAL)
                & (Agreement.region_id == area.region_id)))
        if text:
            needle = f"%{clean_text(text, 'søgetekst', max_len=200, single_line=True)}%"
            query = query.where(or_(col(Agreement.title).ilike(needle),
                                    col(Agreement.description).ilike(needle)))
        if state:
            if state not in [s.name for s in AGREEMENT.states]:
                raise ValidationFailed(f"Ukendt tilstand '{state[:40]}'.")
            query = query.where(Agreement.state == state)
        if kind:
            query = query.where(Agreement.kind == _choice(kind, AgreementKind, "type"))
        db = uow.reader
        views = [view_of(db, a, detail=True, principal=uow.ctx.principal, today=today)
                 for a in uow.session.exec(query).all() if concerns(db, ctx.principal, a)]
    if overdue is not None:
        views = [v for v in views if is_overdue(v, today) == overdue]
    return views


def is_overdue(view: AgreementLike, today: date) -> bool:
    return view.state == "i_godkendelse" and any(
        a.deadline is not None and a.deadline < today and a.state not in ("godkendt", "afvist")
        for a in view.approvals)


def history(ctx: ServiceContext, agreement_id: int) -> list[AuditView]:
    ctx.authorize("agreement.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        events = events_seen_by(uow.session, viewer_of(uow.reader, ctx.principal), list(
            uow.session.exec(select(AuditEvent).where(
                AuditEvent.agreement_id == agreement_id).order_by(col(AuditEvent.id)))))
        forum = availability.history_forums(uow.reader, agreement)
        return [AuditView(id=e.id or 0, at=e.at, actor=e.actor, entity=e.entity,
                          entity_id=e.entity_id, trigger=e.trigger, from_state=e.from_state,
                          to_state=e.to_state, comment=comment, hash=e.hash,
                          forum=forum(e))
                for e, comment in events]
