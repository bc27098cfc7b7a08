"""What a case handler may do now, and why an action is not available; the forum of the day.

The agreement machine names its guards; this module computes them for the current state on a
day and words a failing one in Danish with its cause found in master data (e.g. the region
ceased and the carry-over has not run). The same list feeds the CLI, the API and the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, or_, select

from aftaleflow.db import Prepared
from aftaleflow.domain import tables as t
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
from aftaleflow.domain.succession import carry_over_hint, ceased, ceased_text, is_valid
from aftaleflow.services.agreements.rows import AgreementRecord as Agreement
from aftaleflow.services.agreements.rows import cluster_of, region_of
from aftaleflow.services.context import Reader
from aftaleflow.services.views import ActionView

if TYPE_CHECKING:
    from aftaleflow.domain.model import AuditEvent


class _Rule(NamedTuple):
    forum: str
    confirmed: bool


# Compiled once and run on the cursor (`db.Prepared`): every transition asks for the rule of
# the day, and SQLAlchemy's per-execution bookkeeping cost more than the query itself.
_RULES = t.approval_rule


def _of_day(kind: Any, day: Any) -> Any:
    return select(_RULES.c.forum, _RULES.c.confirmed).where(
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


def remember_rule(memo: dict[Any, Any], kind: str, day: date, forum: str | None,
                  confirmed: bool | None) -> None:
    """Keep the rule read by `rule_columns` for this transaction (None: no rule that day);
    `memo`: the unit of work's `session.info`, the readers' memo."""
    memo[("approval_rule", kind, day)] = (
        _Rule(forum, bool(confirmed)) if forum is not None else None)


def _rule(db: Reader, kind: str, day: date) -> _Rule | None:
    """The approval rule of a kind on a day (its forum and confirmed), once per transaction."""
    key = ("approval_rule", kind, day)
    if key not in db.memo:
        row = _RULE_OF_DAY.run(db.conn, {"kind": kind, "day": day}).fetchone()
        db.memo[key] = _Rule(row[0], bool(row[1])) if row else None
    rule: _Rule | None = db.memo[key]
    return rule


_B = t.body.c
_COUNCIL = select(_B.name).where(
    _B.kind == "sundhedsraad", _B.cluster_id == bindparam("area"),
    _B.valid_from <= bindparam("day"), or_(_B.valid_to.is_(None), _B.valid_to >= bindparam("day"))
).limit(1)


def forum_on(db: Reader, agreement: Agreement, day: date) -> Forum | None:
    """The forum the rule valid on `day` names for this agreement (None: no rule that day)."""
    rule = _rule(db, agreement.kind, day)
    if rule is None:
        return None
    council = None
    if rule.forum == "sundhedsraad_of_area" and agreement.origin_cluster_id is not None:
        row = db.first(_COUNCIL, {"area": agreement.origin_cluster_id, "day": day})
        council = row[0] if row else None
    return forum_of(rule.forum, rule.confirmed, council)


def _user_triggers(state: str) -> list[str]:
    return AGREEMENT.allowed_triggers(state)


def needs_forum(state: str) -> bool:
    """Only states and actions whose labels name the forum need it looked up."""
    return names_forum(AGREEMENT.label_of(state)) or any(
        names_forum(AGREEMENT.trigger_label(t)) for t in _user_triggers(state))


def _no_approvers_reason(db: Reader, agreement: Agreement, day: date) -> str | None:
    """None if the round would have parties; else why not, with the way forward."""
    region = region_of(db, agreement.region_id)
    assert region is not None
    area = cluster_of(db, agreement.origin_cluster_id) if agreement.origin_cluster_id \
        else None
    if is_valid(region, day) and (area is None or is_valid(area, day)) and _rule(
            db, agreement.kind, day) is not None:
        return None  # the usual case, without building the day's structure (the machine's
        # guard still counts the parties when the round starts)
    # A region or area ceased, or no rule that day: the day's structure, read with the ORM.
    from aftaleflow.domain.rounds import approving_bodies
    from aftaleflow.services.structure.masterdata import snapshot
    from aftaleflow.services.structure.succession import successor_names

    session = db.orm()
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


def agreement_actions(db: Reader, agreement: Agreement, day: date,
                      forum: Forum | None) -> list[ActionView]:
    """Every user action of the current state: available, or unavailable with the reason."""
    actions: list[ActionView] = []
    for trigger in _user_triggers(agreement.state):
        reasons = [reason for guard in sorted(AGREEMENT.guards_of(trigger))
                   if guard in _GUARD_REASONS
                   and (reason := _GUARD_REASONS[guard](db, agreement, day)) is not None]
        actions.append(ActionView(
            trigger=trigger, label=with_forum(AGREEMENT.trigger_label(trigger), forum),
            available=not reasons, reason="; ".join(reasons) or None))
    return actions


def refuse_unavailable(db: Reader, agreement: Agreement, trigger: str, day: date) -> None:
    """Refuse a user action whose condition fails, with the reason in Danish."""
    if trigger not in _user_triggers(agreement.state) or not (
            AGREEMENT.guards_of(trigger) & set(_GUARD_REASONS)):
        return
    actions = agreement_actions(db, agreement, day, None)
    held_up = frozenset(a.trigger for a in actions if not a.available)
    for action in actions:
        if action.trigger == trigger and action.reason:
            refused = GuardFailed(AGREEMENT, agreement.state, trigger, [action.reason],
                                  held_up=held_up)
            refused.message = replace_forum(refused.message,
                                            replacement(forum_on(db, agreement, day)))
            raise refused


def describe(db: Reader, agreement: Agreement, day: date
             ) -> tuple[list[ActionView], Forum | None]:
    """Actions and forum for the agreement view (no forum lookup where no label names it)."""
    forum = forum_on(db, agreement, day) if needs_forum(agreement.state) else None
    return agreement_actions(db, agreement, day, forum), forum


def history_forums(db: Reader, agreement: Agreement) -> Callable[[AuditEvent], str | None]:
    """Per audit event of an agreement step: the forum its labels name on the event's day."""
    cache: dict[date, str | None] = {}

    def forum(event: AuditEvent) -> str | None:
        if event.entity != "agreement" or not _names_forum_event(event):
            return None
        day = date.fromisoformat(event.at[:10])
        if day not in cache:
            cache[day] = replacement(forum_on(db, agreement, day))
        return cache[day]
    return forum


def _names_forum_event(event: AuditEvent) -> bool:
    labels = [AGREEMENT.trigger_label(event.trigger)] if event.trigger in AGREEMENT.triggers \
        else []
    labels += [AGREEMENT.label_of(s) for s in (event.from_state, event.to_state)
               if s and s in {st.name for st in AGREEMENT.states}]
    return any(names_forum(label) for label in labels)


def forum_names(db: Reader, agreements: list[Agreement], day: date
                ) -> dict[int, Forum | None]:
    """The forum per agreement, for lists (looked up once per kind and area)."""
    seen: dict[tuple[str, int | None], Forum | None] = {}
    result: dict[int, Forum | None] = {}
    for a in agreements:
        if a.id is None or not needs_forum(a.state):
            continue
        key = (a.kind, a.origin_cluster_id)
        if key not in seen:
            seen[key] = forum_on(db, a, day)
        result[a.id] = seen[key]
    return result

