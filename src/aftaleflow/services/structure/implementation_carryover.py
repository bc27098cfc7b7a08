"""Implementations across a structure change: ended, kept and continued, never deleted.

When a cluster ceases, each of an agreement's implementations in it ends on the cluster's last
day (the row stays, with its state and dates) and is linked to the implementation that
continues it in every successor area. Clusters that meet in one area (a merge) continue in one
row whose state follows `domain.succession.successor_state`; a cluster that splits continues in
each area. Every row the audit trail names exists, and each event records the state before and
after, naming the merge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from aftaleflow.domain.machines import IMPLEMENTATION
from aftaleflow.domain.model import (
    Agreement,
    Cluster,
    Implementation,
    ImplementationSuccession,
)
from aftaleflow.domain.succession import Change, reached_text, successor_state
from aftaleflow.services.uow import UnitOfWork

TRIGGER = "overfoer_implementering"
PREFIX = "Overført ved strukturændringen: "


@dataclass(frozen=True)
class Move:
    """One active implementation in a ceased area and the areas that continue it."""

    impl: Implementation
    area: Cluster
    targets: list[Cluster]

    def reached(self) -> str:
        i = self.impl
        return reached_text(self.area.name, i.state, i.started_on, i.completed_on)


def active_implementations(session: Session, a: Agreement) -> list[Implementation]:
    return list(session.exec(select(Implementation).where(
        Implementation.agreement_id == a.id, col(Implementation.ended_on).is_(None))
        .order_by(col(Implementation.id))))


def plan_moves(session: Session, a: Agreement, areas: dict[int | None, Cluster],
               successors: Callable[[Cluster], list[Cluster]]) -> list[Move]:
    """The agreement's active implementations whose area has ceased and has successors."""
    moves = []
    for impl in active_implementations(session, a):
        area = areas[impl.cluster_id]
        targets = successors(area)
        if targets:
            moves.append(Move(impl, area, targets))
    return moves


def changes(moves: list[Move]) -> list[Change]:
    """The report's lines: each predecessor, what it had reached, and where it continues."""
    return [Change("implementering", m.impl.id or 0, m.area.name, [t.name for t in m.targets],
                   IMPLEMENTATION.label_of(m.impl.state).lower()) for m in moves]


def _groups(moves: list[Move]) -> dict[int, tuple[Cluster, list[Move]]]:
    """Per successor area (data order): the predecessors that continue in it."""
    groups: dict[int, tuple[Cluster, list[Move]]] = {}
    for m in moves:
        for t in m.targets:
            assert t.id is not None
            groups.setdefault(t.id, (t, []))[1].append(m)
    return groups


def _words(moves: list[Move]) -> str:
    return " og ".join(m.reached() for m in moves)


def carry(a: Agreement, moves: list[Move], on: date) -> Callable[[UnitOfWork], None]:
    """The action: continue every move in its successor areas, then end the predecessors."""
    def run(uow: UnitOfWork) -> None:
        session = uow.session
        existing = {i.cluster_id: i for i in active_implementations(session, a)
                    if all(i is not m.impl for m in moves)}
        continued: dict[int, list[str]] = {}
        for area_id, (target, preds) in _groups(moves).items():
            current = existing.get(area_id)
            succ = _continue(uow, a, target, preds, current, on)
            for m in preds:
                continued.setdefault(m.impl.id or 0, []).append(
                    f"{target.name} (#{succ.id}, {IMPLEMENTATION.label_of(succ.state).lower()})")
        for m in moves:
            _end(uow, a, m, on, continued[m.impl.id or 0])
    return run


def _continue(uow: UnitOfWork, a: Agreement, target: Cluster, preds: list[Move],
              current: Implementation | None, on: date) -> Implementation:
    """The successor row in `target`: created, or the area's existing row brought along."""
    session = uow.session
    rows = [m.impl for m in preds] + ([current] if current is not None else [])
    state = successor_state([r.state for r in rows])
    started = min((r.started_on for r in rows if r.started_on), default=None)
    completed = max((r.completed_on for r in rows if r.completed_on), default=None) \
        if state == "implementeret" else None
    before = current.state if current is not None else None
    names = " og ".join(m.area.name for m in preds)
    if current is None:
        current = Implementation(agreement_id=a.id or 0, cluster_id=target.id or 0, state=state,
                                 started_on=started if state != "ikke_startet" else None,
                                 completed_on=completed, comment=f"Videreført fra {names}",
                                 updated_at=uow.now)
    else:
        current.state, current.updated_at = state, uow.now
        current.started_on = current.started_on or started
        current.completed_on = completed
    session.add(current)
    session.flush()
    assert current.id is not None
    for m in preds:
        assert m.impl.id is not None
        session.add(ImplementationSuccession(predecessor_id=m.impl.id, successor_id=current.id,
                                             valid_from=on))
    how = "Sammenlægning" if len(rows) > 1 else "Videreførelse"
    came = f"; {target.name} havde selv {IMPLEMENTATION.label_of(before).lower()}" \
        if before else ""
    uow.record(entity="implementation", entity_id=current.id, agreement_id=a.id,
               trigger=TRIGGER, from_state=before, to_state=state,
               comment=f"{PREFIX}{how} i {target.name} pr. {on.isoformat()}: {_words(preds)}"
                       f"{came} → {IMPLEMENTATION.label_of(state).lower()}")
    return current


def _end(uow: UnitOfWork, a: Agreement, m: Move, on: date, continued: list[str]) -> None:
    """The predecessor ends on its area's last day, its state and dates as they were."""
    impl = m.impl
    impl.ended_on = m.area.valid_to or on - timedelta(days=1)
    impl.updated_at = uow.now
    uow.session.add(impl)
    uow.record(entity="implementation", entity_id=impl.id, agreement_id=a.id, trigger=TRIGGER,
               from_state=impl.state, to_state=impl.state,
               comment=f"{PREFIX}{m.area.name} → {' og '.join(t.name for t in m.targets)}: "
                       f"{m.area.name} ophørte {impl.ended_on.isoformat()}; implementeringen "
                       f"({m.reached()}) er afsluttet og bevaret, videreført i "
                       f"{' og '.join(continued)}")


def predecessors_of(session: Session, agreement_id: int) -> dict[int, list[str]]:
    """Per active implementation id: what each predecessor had reached, in id order."""
    pred = Implementation.__table__.alias("pred")  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(col(ImplementationSuccession.successor_id), col(Cluster.name), pred.c.state,
               pred.c.started_on, pred.c.completed_on)
        .join(pred, pred.c.id == ImplementationSuccession.predecessor_id)
        .join(Cluster, col(Cluster.id) == pred.c.cluster_id)
        .where(pred.c.agreement_id == agreement_id)
        .order_by(pred.c.id))
    out: dict[int, list[str]] = {}
    for succ_id, name, state, started, completed in rows:
        out.setdefault(succ_id, []).append(reached_text(name, state, started, completed))
    return out


def continued_in(session: Session, impl: Implementation) -> list[tuple[str, str]]:
    """Where an ended implementation continues: (area key, area name), in id order."""
    return [(k, n) for k, n in session.execute(
        sa_select(col(Cluster.key), col(Cluster.name))
        .join(Implementation, col(Implementation.cluster_id) == Cluster.id)
        .join(ImplementationSuccession,
              col(ImplementationSuccession.successor_id) == Implementation.id)
        .where(col(ImplementationSuccession.predecessor_id) == impl.id)
        .order_by(col(Implementation.id)))]
