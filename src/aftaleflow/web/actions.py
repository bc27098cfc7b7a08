"""Which actions the current user may take: read from the machines and the role table.

The services enforce the same rules; this only decides which buttons to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from aftaleflow.domain.access import PERMISSIONS, Role
from aftaleflow.domain.machines import (
    AGREEMENT,
    APPROVAL,
    DECISIONS,
    IMPLEMENTATION,
    IMPLEMENTATION_STEPS,
)
from aftaleflow.services.reading.dashboard import UserInfo
from aftaleflow.services.views import (
    AgreementLike,
    AgreementView,
    ApprovalLike,
    ImplementationView,
)

TRIGGER_TO_DECISION = {trigger: word for word, trigger in DECISIONS.items()}
TRIGGER_TO_STEP = {trigger: word for word, trigger in IMPLEMENTATION_STEPS.items()}
NEEDS_MEETING_DATE = {"dagsorden", "genoptaget"}


@dataclass(frozen=True)
class Action:
    key: str  # trigger, decision word or implementation step
    label: str
    reason: str | None = None  # set: the condition fails now; shown with the reason, not offered
    irreversible: bool = False  # shown apart from the everyday actions; needs a reason


def agreement_actions(user: UserInfo, view: AgreementView) -> list[Action]:
    if not _may(user, "agreement.advance"):
        return []
    return [Action(a.trigger, a.label, None if a.available else a.reason,
                   AGREEMENT.is_irreversible(a.trigger)) for a in view.actions
            if user.role in AGREEMENT.roles_for(a.trigger)]


def decision_actions(user: UserInfo, view: AgreementLike, approval: ApprovalLike
                     ) -> list[Action]:
    """A part acts only for its own body; the round must be open (the machine's guard)."""
    if not _may(user, "approval.record") or view.state != "i_godkendelse":
        return []
    if user.role == Role.PARTY and approval.body_key != user.body_key:
        return []
    return [Action(TRIGGER_TO_DECISION[t], APPROVAL.trigger_label(t),
                   irreversible=APPROVAL.is_irreversible(t))
            for t in APPROVAL.allowed_triggers(approval.state)
            if user.role in APPROVAL.roles_for(t) and t in TRIGGER_TO_DECISION]


def implementation_actions(user: UserInfo, view: AgreementView, impl: ImplementationView
                           ) -> list[Action]:
    if not _may(user, "implementation.record") or view.state not in (
            "godkendt", "under_implementering"):
        return []
    return [Action(TRIGGER_TO_STEP[t], IMPLEMENTATION.trigger_label(t))
            for t in IMPLEMENTATION.allowed_triggers(impl.state)
            if user.role in IMPLEMENTATION.roles_for(t) and t in TRIGGER_TO_STEP]


def _may(user: UserInfo, action: str) -> bool:
    return user.role in PERMISSIONS[action]
