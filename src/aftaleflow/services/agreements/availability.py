"""What a case handler may do now, and why an action is not available; the forum of the day.

The agreement machine names its guards; this module computes them for the current state on a
day and words a failing one in Danish with its cause found in master data (e.g. the region
ceased and the carry-over has not run). The same list feeds the CLI, the API and the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, or_, select

from aftaleflow.db import Prepared
from aftaleflow.domain.errors import GuardFailed, ValidationFailed
from aftaleflow.domain.forum import (
    Forum,
    forum_of,
    names_forum,
    replace_forum,
    replacement,
    with_forum,
)
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.domain.model import Agreement, ApprovalRule, AuditEvent, Body, Cluster, Region
from aftaleflow.domain.rounds import approving_bodies
from aftaleflow.domain.succession import carry_over_hint, ceased, ceased_text
from aftaleflow.services.structure.masterdata import snapshot, valid_on
from aftaleflow.services.structure.succession import is_valid, successor_names
from aftaleflow.services.views import ActionView


class _Rule(NamedTuple):
    forum: str
    confirmed: bool


# Compiled once and run on the cursor (`db.Prepared`): every transition asks for the rule of
# the day, and SQLAlchemy's per-execution bookkeeping cost more than the query itself.
_RULES = ApprovalRule.__table__  # type: ignore[attr-defined]


def _of_day(kind: Any, day: Any) -> Any:
    return sa_select(_RULES.c.forum, _RULES.c.confirmed).where(
        _RULES.c.kind == kind, _RULES.c.valid_from <= day,
        or_(_RULES.c.valid_to.is_(None), _RULES.c.valid_to >= day),
    ).order_by(_RULES.c.valid_from.desc()).limit(1)


_RULE_OF_DAY = Prepared(_of_day(bindparam("kind"), bindparam("day")))


def rule_columns(kind: Any) -> tuple[Any, Any]:
    """The forum and confirmed of the rule of day `:b_day` for the kind `kind`, as two
    scalar subqueries: a transition's load brings them along, one round trip fewer."""
    rule = _of_day(kind, bindparam("b_day"))
    return (rule.with_only_columns(_RULES.c.forum).scalar_subquery(),
            rule.with_only_columns(_RULES.c.confirmed).scalar_subquery())


def remember_rule(session: Session, kind: str, day: date, forum: str | None,
                  confirmed: bool | None) -> None:
    """Keep the rule read by `rule_columns` for this transaction (None: no rule that day)."""
    session.info[("approval_rule", kind, day)] = (
        _Rule(forum, bool(confirmed)) if forum is not None else None)


def _rule(session: Session, kind: str, day: date) -> _Rule | None:
    """The approval rule of a kind on a day (its forum and confirmed), once per session."""
    key = ("approval_rule", kind, day)
    if key not in session.info:
        row = _RULE_OF_DAY.run(session.connection(), {"kind": kind, "day": day}).fetchone()
        session.info[key] = _Rule(row[0], bool(row[1])) if row else None
    rule: _Rule | None = session.info[key]
    return rule


def forum_on(session: Session, agreement: Agreement, day: date) -> Forum | None:
    """The forum the rule valid on `day` names for this agreement (None: no rule that day)."""
    rule = _rule(session, agreement.kind, day)
    if rule is None:
        return None
    council = None
    if rule.forum == "sundhedsraad_of_area" and agreement.origin_cluster_id is not None:
        council = session.exec(select(Body.name).where(
            Body.kind == "sundhedsraad", Body.cluster_id == agreement.origin_cluster_id,
            valid_on(Body, day))).first()
    return forum_of(rule.forum, rule.confirmed, council)


def _user_triggers(state: str) -> list[str]:
    return AGREEMENT.allowed_triggers(state)


def needs_forum(state: str) -> bool:
    """Only states and actions whose labels name the forum need it looked up."""
    return names_forum(AGREEMENT.label_of(state)) or any(
        names_forum(AGREEMENT.trigger_label(t)) for t in _user_triggers(state))


def _no_approvers_reason(session: Session, agreement: Agreement, day: date) -> str | None:
    """None if the round would have parties; else why not, with the way forward."""
    region = session.get(Region, agreement.region_id)
    assert region is not None
    area = session.get(Cluster, agreement.origin_cluster_id) if agreement.origin_cluster_id \
        else None
    if is_valid(region, day) and (area is None or is_valid(area, day)) and _rule(
            session, agreement.kind, day) is not None:
        return None  # the usual case, without building the day's structure (the machine's
        # guard still counts the parties when the round starts)
    try:
        parties = approving_bodies(snapshot(session, day), agreement.kind, region.key,
                                   area.key if area else None)
    except ValidationFailed as exc:
        return f"ingen godkendende parter i stamdata {day.isoformat()}: {exc.message}"
    if parties:
        return None
    causes = [
        ceased_text(row.name, row.valid_to, successor_names(session, entity, row.key, day))
        + f" — kør overførslen ({carry_over_hint(row.valid_to)})"
        for entity, row in (("region", region), ("area", area))
        if row is not None and row.valid_to is not None and ceased(row.valid_to, day)]
    cause = "; ".join(causes) or "stamdata har ingen parter for aftalens region og område"
    return f"ingen godkendende parter i stamdata {day.isoformat()}: {cause}"


_GUARD_REASONS = {"has_approvers": _no_approvers_reason}


def agreement_actions(session: Session, agreement: Agreement, day: date,
                      forum: Forum | None) -> list[ActionView]:
    """Every user action of the current state: available, or unavailable with the reason."""
    actions: list[ActionView] = []
    for trigger in _user_triggers(agreement.state):
        reasons = [reason for guard in sorted(AGREEMENT.guards_of(trigger))
                   if guard in _GUARD_REASONS
                   and (reason := _GUARD_REASONS[guard](session, agreement, day)) is not None]
        actions.append(ActionView(
            trigger=trigger, label=with_forum(AGREEMENT.trigger_label(trigger), forum),
            available=not reasons, reason="; ".join(reasons) or None))
    return actions


def refuse_unavailable(session: Session, agreement: Agreement, trigger: str, day: date) -> None:
    """Refuse a user action whose condition fails, with the reason in Danish."""
    if trigger not in _user_triggers(agreement.state) or not (
            AGREEMENT.guards_of(trigger) & set(_GUARD_REASONS)):
        return
    actions = agreement_actions(session, agreement, day, None)
    held_up = frozenset(a.trigger for a in actions if not a.available)
    for action in actions:
        if action.trigger == trigger and action.reason:
            refused = GuardFailed(AGREEMENT, agreement.state, trigger, [action.reason],
                                  held_up=held_up)
            refused.message = replace_forum(refused.message,
                                            replacement(forum_on(session, agreement, day)))
            raise refused


def describe(session: Session, agreement: Agreement, day: date
             ) -> tuple[list[ActionView], Forum | None]:
    """Actions and forum for the agreement view (no forum lookup where no label names it)."""
    forum = forum_on(session, agreement, day) if needs_forum(agreement.state) else None
    return agreement_actions(session, agreement, day, forum), forum


def history_forums(session: Session, agreement: Agreement) -> Callable[[AuditEvent], str | None]:
    """Per audit event of an agreement step: the forum its labels name on the event's day."""
    cache: dict[date, str | None] = {}

    def forum(event: AuditEvent) -> str | None:
        if event.entity != "agreement" or not _names_forum_event(event):
            return None
        day = date.fromisoformat(event.at[:10])
        if day not in cache:
            cache[day] = replacement(forum_on(session, agreement, day))
        return cache[day]
    return forum


def _names_forum_event(event: AuditEvent) -> bool:
    labels = [AGREEMENT.trigger_label(event.trigger)] if event.trigger in AGREEMENT.triggers \
        else []
    labels += [AGREEMENT.label_of(s) for s in (event.from_state, event.to_state)
               if s and s in {st.name for st in AGREEMENT.states}]
    return any(names_forum(label) for label in labels)


def forum_names(session: Session, agreements: list[Agreement], day: date
                ) -> dict[int, Forum | None]:
    """The forum per agreement, for lists (looked up once per kind and area)."""
    seen: dict[tuple[str, int | None], Forum | None] = {}
    result: dict[int, Forum | None] = {}
    for a in agreements:
        if a.id is None or not needs_forum(a.state):
            continue
        key = (a.kind, a.origin_cluster_id)
        if key not in seen:
            seen[key] = forum_on(session, a, day)
        result[a.id] = seen[key]
    return result

