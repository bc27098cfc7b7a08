"""Read models of an agreement built inside a service's transaction: the agreement with its
round's approvals (as plain rows), implementations, actions and the forum of the day.

Read on SQLAlchemy Core (`domain.tables`) through a `Reader`: the agreement may be the ORM's
instance (a unit of work passes `uow.reader`) or a plain row (`lookup.get_agreement`, which
`aftaleflow agreement show` calls without building the ORM); both have the same attributes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from aftaleflow.domain import tables as t
from aftaleflow.domain.access import Principal
from aftaleflow.domain.deadlines import fixed_deadline_of_round
from aftaleflow.domain.forum import Forum, with_forum
from aftaleflow.domain.kinds import FIXED_PARTY_KINDS, KIND_LABELS, ORIGIN_LABELS
from aftaleflow.domain.machines import AGREEMENT, APPROVAL, IMPLEMENTATION, round_in_view
from aftaleflow.services.agreements import availability
from aftaleflow.services.agreements.part_view import approval_seen_by, viewer_of
from aftaleflow.services.agreements.rows import (
    AgreementRecord,
    cluster_of,
    origin_labels,
    region_of,
)
from aftaleflow.services.context import Reader
from aftaleflow.services.reading.cells import with_cell
from aftaleflow.services.views import (
    ActionView,
    AgreementView,
    ApprovalView,
    ImplementationView,
)

if TYPE_CHECKING:
    from aftaleflow.domain.model import Approval, Body, Cluster, Implementation, Region


def view_of(db: Reader, a: AgreementRecord, *, detail: bool, principal: Principal,
            today: date | None = None) -> AgreementView:
    """The read model of an agreement as `principal` may read it (`part_view`); `detail` adds
    its round, implementations and parties."""
    region = region_of(db, a.region_id)
    cluster = cluster_of(db, a.origin_cluster_id) if a.origin_cluster_id else None
    assert region is not None
    approvals: list[ApprovalView] = []
    impls: list[ImplementationView] = []
    # Approvals and implementations exist only once a round has started (round_no > 0), so
    # the hot path of early transitions needs no further queries.
    if detail and a.round_no > 0:
        pending = a.state == "i_godkendelse"
        viewer = viewer_of(db, principal)
        approvals = [approval_seen_by(viewer, _approval_row_view(
            row, _rule_if_pending(a, row[3], row[4], row[7]),
            pending and past_deadline(row[4], row[7], today)))
            for row in db.conn.execute(
                _ROUND_APPROVALS, {"b_agreement": a.id, "b_round": a.round_no})]
        impls = [ImplementationView(id_, key, name, state, IMPLEMENTATION.label_of(state),
                                    started, completed, comment, version or 0)
                 for id_, key, name, state, started, completed, comment, version
                 in db.conn.execute(_IMPLEMENTATIONS, {"b_agreement": a.id})]
        impls = with_predecessors(db, a, impls)
    actions, forum = availability.describe(db, a, today or a.updated_at.date())
    view = agreement_view(a, region, cluster, approvals, impls, actions=actions, forum=forum,
                          # the two origins of 2022-2026 need no query on the hot path
                          origin_label=ORIGIN_LABELS.get(a.origin)
                          or origin_labels(db).get(a.origin))
    if detail and a.kind not in FIXED_PARTY_KINDS:  # no query for the kinds of 2022-2026
        view = replace(view, chosen_parties=chosen_party_names(db, a))
    return view


_CARRIED_OVER = select(t.implementation.c.id).where(
    t.implementation.c.agreement_id == bindparam("b_agreement"),
    t.implementation.c.ended_on.is_not(None)).limit(1)


def with_predecessors(db: Reader, a: AgreementRecord, impls: list[ImplementationView]
                      ) -> list[ImplementationView]:
    """Each implementation with what the ended ones it continues had reached (one query, and
    only for agreements whose implementations have been carried over)."""
    if not impls or a.id is None or db.first(_CARRIED_OVER, {"b_agreement": a.id}) is None:
        return impls
    # Carried over at a structure change: rare, read with the ORM like the carry-over itself.
    from aftaleflow.services.structure.implementation_carryover import predecessors_of

    earlier = predecessors_of(db.orm(), a.id)
    return [replace(i, predecessors=tuple(earlier.get(i.id, ()))) for i in impls]




_CHOSEN_PARTIES = (
    select(t.municipality.c.name)
    .join(t.agreement_party, t.agreement_party.c.municipality_id == t.municipality.c.id)
    .where(t.agreement_party.c.agreement_id == bindparam("b_agreement"))
    .order_by(t.municipality.c.name))


def chosen_party_names(db: Reader, a: AgreementRecord) -> list[str]:
    return [name for (name,) in db.rows(_CHOSEN_PARTIES, {"b_agreement": a.id})]


# A round's approvals as plain rows (a 23-party round is 46 ORM objects otherwise).
_AP, _BODY, _IMPL, _CL = t.approval.c, t.body.c, t.implementation.c, t.cluster.c
_ROUND_APPROVALS = (
    select(_AP.id, _BODY.key, _BODY.name, _BODY.kind, _AP.state, _AP.round_no,
           _AP.text_version, _AP.deadline, _AP.meeting_date, _AP.decided_on, _AP.protocol_ref,
           _AP.comment, _AP.version, _AP.certainty, _AP.certainty_source)
    .join(t.body, _BODY.id == _AP.body_id)
    .where(_AP.agreement_id == bindparam("b_agreement"), _AP.round_no == bindparam("b_round"))
    .order_by(_AP.id))


_IMPLEMENTATIONS = (
    select(_IMPL.id, _CL.key, _CL.name, _IMPL.state, _IMPL.started_on, _IMPL.completed_on,
           _IMPL.comment, _IMPL.version)
    .join(t.cluster, _CL.id == _IMPL.cluster_id)
    .where(_IMPL.agreement_id == bindparam("b_agreement"), _IMPL.ended_on.is_(None))
    .order_by(_IMPL.id))


def _approval_row_view(row: Any, rule: str, past: bool) -> ApprovalView:
    (id_, key, name, kind, state, round_no, text_version, deadline, meeting_date, decided_on,
     protocol_ref, comment, version, certainty, certainty_source) = row
    return ApprovalView(id_, key, name, kind, state, APPROVAL.label_of(state), round_no,
                        text_version, deadline, meeting_date, decided_on, protocol_ref, comment,
                        version or 0, certainty, certainty_source, deadline_rule=rule,
                        past_deadline=past)


def fixed_deadline_in_view(a: AgreementRecord) -> date | None:
    """The fixed deadline of the round the agreement is about (running, last or next)."""
    return fixed_deadline_of_round(a.approval_deadline, a.approval_deadline_round,
                                   round_in_view(a.state, a.round_no))


_RULES: dict[tuple[str, str, bool], str] = {}


def deadline_rule(agreement_kind: str, body_kind: str, fixed: bool) -> str:
    """The deadline policy's rule for one kind of party (few kinds: worked out once each)."""
    key = (agreement_kind, body_kind, fixed)
    if key not in _RULES:
        from aftaleflow.domain.deadlines import load_policy  # YAML: only when a rule is shown

        _RULES[key] = load_policy().approval_rule_text(agreement_kind, body_kind, fixed)
    return _RULES[key]


_FINAL = frozenset(s.name for s in APPROVAL.states if s.final)


def _rule_if_pending(a: AgreementRecord, body_kind: str, state: str, deadline: date | None) -> str:
    """The rule is shown for a deadline still running only, so a read of a settled case never
    loads the deadline policy (a YAML file: `agreement show` stays light)."""
    if a.state != "i_godkendelse" or state in _FINAL or deadline is None:
        return ""
    fixed = fixed_deadline_of_round(a.approval_deadline, a.approval_deadline_round, a.round_no)
    return deadline_rule(a.kind, body_kind, fixed is not None)


def past_deadline(state: str, deadline: date | None, today: date | None) -> bool:
    """Undecided and past its deadline; the deadline day itself is still in time."""
    return (deadline is not None and today is not None and deadline < today
            and state not in _FINAL)


def approval_view(r: Approval, body: Body, rule: str = "", past: bool = False) -> ApprovalView:
    return ApprovalView(
        id=r.id or 0, body_key=body.key, body=body.name, body_kind=body.kind, state=r.state,
        state_label=APPROVAL.label_of(r.state), round_no=r.round_no,
        text_version=r.text_version, deadline=r.deadline, meeting_date=r.meeting_date,
        decided_on=r.decided_on, protocol_ref=r.protocol_ref, comment=r.comment,
        version=r.version or 0, certainty=r.certainty, certainty_source=r.certainty_source,
        deadline_rule=rule, past_deadline=past)


def implementation_view(i: Implementation, cluster: Cluster) -> ImplementationView:
    return ImplementationView(
        id=i.id or 0, cluster_key=cluster.key, cluster=cluster.name, state=i.state,
        state_label=IMPLEMENTATION.label_of(i.state), started_on=i.started_on,
        completed_on=i.completed_on, comment=i.comment, version=i.version or 0)


def agreement_view(a: AgreementRecord, region: Region | Any, cluster: Cluster | Any | None,
                   approvals: list[ApprovalView],
                   implementations: list[ImplementationView], *,
                   actions: list[ActionView] | None = None,
                   forum: Forum | None = None,
                   origin_label: str | None = None) -> AgreementView:
    """The read model of one agreement; approvals are shown regional council first.

    Without `actions` every action of the state counts as available (lists skip the guards).
    """
    assert a.id is not None and a.version is not None
    if actions is None:
        actions = [ActionView(t, with_forum(AGREEMENT.trigger_label(t), forum), True)
                   for t in AGREEMENT.allowed_triggers(a.state)]
    approvals = sorted((with_cell(v, a.state) for v in approvals),
                       key=lambda v: (v.body_kind != "regionsraad", v.body))
    return AgreementView(
        id=a.id, title=a.title, description=a.description, kind=a.kind,
        kind_label=KIND_LABELS.get(a.kind, a.kind), origin=a.origin,
        origin_label=origin_label or ORIGIN_LABELS.get(a.origin, a.origin),
        origin_cluster=cluster.name if cluster else None, kle_number=a.kle_number,
        case_handler=a.case_handler, region_key=region.key, region=region.name, state=a.state,
        state_label=with_forum(AGREEMENT.label_of(a.state), forum), round_no=a.round_no,
        text_version=a.text_version, approval_deadline=fixed_deadline_in_view(a),
        implementation_deadline=a.implementation_deadline, created_at=a.created_at,
        updated_at=a.updated_at, version=a.version,
        allowed_triggers=[x.trigger for x in actions if x.available],
        approvals_total=len(approvals),
        approvals_approved=sum(1 for v in approvals if v.state == "godkendt"),
        approvals=approvals, implementations=implementations, actions=actions,
        forum=forum.label if forum else None,
    )
