"""What a part sees of an agreement that concerns its body: one rule for every adapter.

Every party's decision in the round is a public record and a part sees it: the state, the
meeting date, the decision date and the protocol reference, and the deadline it was given.
Another party's comment is not, nor its drafts, letters, agenda items or documents: a part
reads those of its own party only (its council and the council's committees; the regionsråd
and its forretningsudvalg). Everyone else sees everything.

Whether an agreement concerns a part at all is `concerns`: others do not exist for it.
The read models apply it where they are built, so the CLI, the API, the dashboard, the exports
and `status --json` cannot disagree: `read_model.view_of` (one agreement, `GET /agreements`),
`reading.matrix.approval_matrix` (status, the dashboard's matrix, the exports) and
`cases.history` (the agreement's timeline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import bindparam, select

from aftaleflow.domain import tables as t
from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.kinds import FIXED_PARTY_KINDS, AgreementKind
from aftaleflow.services.context import Reader
from aftaleflow.services.views import AgreementView, ApprovalCell, ApprovalView, MatrixRow

if TYPE_CHECKING:
    from sqlmodel import Session

    from aftaleflow.domain.model import AuditEvent

REGION_PARTY_KINDS = ("regionsraad", "forretningsudvalg")
"""The region's own bodies: their meetings act for the region as a party."""


@dataclass(frozen=True)
class Viewer:
    """Who reads: `everything` for every role but a part; a part's own party's bodies."""

    everything: bool
    own_ids: frozenset[int] = frozenset()
    own_keys: frozenset[str] = frozenset()


EVERYONE = Viewer(everything=True)


_B = t.body.c
_BODY = select(_B.id, _B.kind, _B.region_id, _B.municipality_id).where(_B.id == bindparam("id"))
_SAME_COUNCIL = select(_B.id, _B.key).where(_B.municipality_id == bindparam("municipality"))
_SAME_REGION = select(_B.id, _B.key).where(_B.region_id == bindparam("region"),
                                           _B.kind.in_(REGION_PARTY_KINDS))


def viewer_of(db: Reader, principal: Principal) -> Viewer:
    if principal.role != Role.PARTY:
        return EVERYONE
    own = _own_bodies(db, principal)
    return Viewer(everything=False, own_ids=frozenset(i for i, _ in own),
                  own_keys=frozenset(k for _, k in own))


def own_bodies(db: Reader, principal: Principal) -> list[int]:
    """The bodies of a part's own party: its body and the others acting for the same party
    (a council's committees; the regionsråd's forretningsudvalg). Forums are no party's."""
    return [i for i, _ in _own_bodies(db, principal)]


def _own_bodies(db: Reader, principal: Principal) -> list[tuple[int, str]]:
    body = db.first(_BODY, {"id": principal.body_id}) if principal.body_id else None
    if body is None:
        return []
    if body.municipality_id is not None:
        same = db.rows(_SAME_COUNCIL, {"municipality": body.municipality_id})
    elif body.kind in REGION_PARTY_KINDS:
        same = db.rows(_SAME_REGION, {"region": body.region_id})
    else:
        same = db.rows(select(_B.id, _B.key).where(_B.id == body.id))
    return [(i, k) for i, k in same]


_ASKED = select(t.approval.c.id).where(t.approval.c.agreement_id == bindparam("agreement"),
                                       t.approval.c.body_id == bindparam("body")).limit(1)
_CHOSEN = select(t.agreement_party.c.id).where(
    t.agreement_party.c.agreement_id == bindparam("agreement"),
    t.agreement_party.c.municipality_id == bindparam("municipality")).limit(1)
_IN_REGION = select(t.region_membership.c.id).where(
    t.region_membership.c.municipality_id == bindparam("municipality"),
    t.region_membership.c.region_id == bindparam("region")).limit(1)
_IN_AREA = select(t.cluster_membership.c.id).where(
    t.cluster_membership.c.municipality_id == bindparam("municipality"),
    t.cluster_membership.c.cluster_id == bindparam("area")).limit(1)


def concerns(db: Reader, principal: Principal, agreement: Any) -> bool:
    """Whether a `part` principal's body takes part in (or is affected by) the agreement (the
    model's instance or a plain row)."""
    if principal.role != Role.PARTY:
        return True
    body = db.first(_BODY, {"id": principal.body_id}) if principal.body_id else None
    if body is None:
        return False
    if db.first(_ASKED, {"agreement": agreement.id, "body": body.id}) is not None:
        return True
    if body.municipality_id is None:
        return bool(body.region_id == agreement.region_id)
    if agreement.kind not in FIXED_PARTY_KINDS:  # parties chosen per agreement
        found = db.first(_CHOSEN, {"agreement": agreement.id,
                                   "municipality": body.municipality_id})
    elif agreement.kind == AgreementKind.REGIONAL:
        found = db.first(_IN_REGION, {"municipality": body.municipality_id,
                                      "region": agreement.region_id})
    else:
        found = db.first(_IN_AREA, {"municipality": body.municipality_id,
                                    "area": agreement.origin_cluster_id})
    return found is not None


A = TypeVar("A", ApprovalView, ApprovalCell)
V = TypeVar("V", AgreementView, MatrixRow)


def approval_seen_by(viewer: Viewer, approval: A) -> A:
    """The approval with another party's comment left out (its decision stays)."""
    if viewer.everything or approval.comment is None or approval.body_key in viewer.own_keys:
        return approval
    if isinstance(approval, ApprovalCell):
        return approval._replace(comment=None)
    return replace(approval, comment=None)


def seen_by(viewer: Viewer, view: V) -> V:
    """An agreement (view or matrix row) as the viewer may read it."""
    if viewer.everything:
        return view
    return replace(view, approvals=[approval_seen_by(viewer, a) for a in view.approvals])


def events_seen_by(session: Session, viewer: Viewer, events: Sequence[AuditEvent]
                   ) -> list[tuple[AuditEvent, str | None]]:
    """The agreement's timeline for the viewer, each event with the comment it may read: the
    case's own steps and every party's decision, another party's comment reduced to the
    party's name; agenda items and documents of the viewer's own party or common to all."""
    if viewer.everything:
        return [(event, event.comment) for event in events]
    from aftaleflow.domain.model import Approval, Body  # a part's timeline: read with the ORM

    seen: list[tuple[AuditEvent, str | None]] = []
    for event in events:
        comment = event.comment
        if event.entity == "approval":
            approval = session.get(Approval, event.entity_id) if event.entity_id else None
            if approval is not None and approval.body_id not in viewer.own_ids:
                body = session.get(Body, approval.body_id)
                comment = body.name if body else None
        elif event.entity in ("agenda_item", "document") and not _own_or_common(
                session, viewer, event.entity, event.entity_id):
            continue
        seen.append((event, comment))
    return seen


def _own_or_common(session: Session, viewer: Viewer, entity: str, entity_id: int | None
                   ) -> bool:
    """An agenda item of the viewer's party's meeting, or a document addressed to it, made
    for its meeting, or meant for every party (no addressee and no meeting)."""
    if entity_id is None:
        return False
    # Meetings' tables only where a part reads a timeline (`agreement show` builds none).
    from aftaleflow.domain.meetings import AgendaItem, StoredDocument

    if entity == "agenda_item":
        item = session.get(AgendaItem, entity_id)
        return item is not None and _meeting_body(session, item.meeting_id) in viewer.own_ids
    document = session.get(StoredDocument, entity_id)
    if document is None:
        return False
    if document.recipient_body_id is not None:
        return document.recipient_body_id in viewer.own_ids
    meeting_id = document.meeting_id
    if meeting_id is None and document.agenda_item_id is not None:
        item = session.get(AgendaItem, document.agenda_item_id)
        meeting_id = item.meeting_id if item else None
    return meeting_id is None or _meeting_body(session, meeting_id) in viewer.own_ids


def _meeting_body(session: Session, meeting_id: int | None) -> int | None:
    from aftaleflow.domain.meetings import Meeting

    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    return meeting.body_id if meeting else None
