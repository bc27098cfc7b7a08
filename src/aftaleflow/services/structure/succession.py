"""Checks other services make against the structure valid on a day, with successors named.

Used inside the caller's transaction: creating an agreement in a region or area that does not
exist that day, or a decision by a body that has ceased, is refused with the way forward.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.model import Body, Cluster, Region, Succession
from aftaleflow.domain.succession import (  # is_valid: re-exported, its old home
    ceased_text,
    is_valid,
    refuse_after_cessation,
    refuse_decision_after_cessation,
)
from aftaleflow.services.structure.masterdata import valid_on

_MODELS: dict[str, type[Region] | type[Cluster] | type[Body]] = {
    "region": Region, "area": Cluster, "body": Body}


def successor_names(session: Session, entity: str, key: str, on: date) -> list[str]:
    """Names of the rows that take over from `key` (data order), [] if none recorded."""
    keys = [s.successor_key for s in session.exec(
        select(Succession).where(Succession.entity == entity, Succession.predecessor_key == key,
                                 col(Succession.valid_from) <= on)
        .order_by(col(Succession.id))) if s.successor_key]
    model = _MODELS[entity]
    names: dict[str, str] = {
        key: name for key, name in session.exec(
            select(col(model.key), col(model.name)).where(col(model.key).in_(keys)))}
    return [names[k] for k in keys if k in names]


def require_region_valid(session: Session, region: Region, on: date) -> None:
    if is_valid(region, on):
        return
    valid = [r.name for r in session.exec(select(Region).where(valid_on(Region, on))
                                          .order_by(col(Region.name)))]
    why = (ceased_text(region.name, region.valid_to,
                       successor_names(session, "region", region.key, on))
           if region.valid_to and region.valid_to < on
           else f"{region.name} gælder først fra {region.valid_from.isoformat()}")
    raise ValidationFailed(
        f"{region.name} er ikke gældende {on.isoformat()}: {why}. "
        f"Gældende regioner: {', '.join(valid)}.")


def require_area_valid(session: Session, area: Cluster, region: Region, on: date) -> None:
    if is_valid(area, on):
        return
    valid = [a.name for a in session.exec(select(Cluster).where(
        valid_on(Cluster, on), Cluster.region_id == region.id).order_by(col(Cluster.name)))]
    why = (ceased_text(area.name, area.valid_to, successor_names(session, "area", area.key, on))
           if area.valid_to and area.valid_to < on
           else f"{area.name} gælder først fra {area.valid_from.isoformat()}")
    options = ", ".join(valid) if valid else "ingen"
    raise ValidationFailed(
        f"{area.name} er ikke gældende {on.isoformat()}: {why}. "
        f"Gældende områder i {region.name}: {options}.")


def require_body_active(session: Session, body: Body, day: date, *,
                        carry_over_moves_it: bool = True) -> None:
    """A decision dated after the body ceased is refused, naming its successor (and the
    carry-over only while it would move the approval)."""
    if body.valid_to is None or body.valid_to >= day:
        return
    refuse_decision_after_cessation(body.name, body.valid_to, day,
                                    successor_names(session, "body", body.key, day),
                                    carry_over_moves_it=carry_over_moves_it)


def refuse_carried_party(session: Session, ref: str, round_no: int,
                         round_bodies: set[int | None]) -> None:
    """A party named by a ceased body whose approval the carry-over passed to a successor
    that is in the round: say so, and name the successor to record the decision for."""
    needle = ref.strip().lower()
    body = session.exec(select(Body).where(or_(
        func.lower(Body.key) == needle, func.lower(Body.name) == needle))).first()
    if body is None or body.valid_to is None:
        return
    on = body.valid_to + timedelta(days=1)
    keys = [s.successor_key for s in session.exec(select(Succession).where(
        Succession.entity == "body", Succession.predecessor_key == body.key)) if s.successor_key]
    heirs = list(session.exec(select(Body).where(col(Body.key).in_(keys))))
    if not any(h.id in round_bodies for h in heirs):
        return
    names = " og ".join(h.name for h in heirs if h.id in round_bodies)
    raise ValidationFailed(
        f"{ceased_text(body.name, body.valid_to, successor_names(session, 'body', body.key, on))}"
        f". Godkendelsen i runde {round_no} er overført til {names}; registrér beslutningen "
        f"for {names}.")


def require_area_active(session: Session, area: Cluster, day: date) -> None:
    """Implementation cannot be recorded in an area after it was abolished (before the
    carry-over has continued it: the message names the successors and the carry-over)."""
    if area.valid_to is None or area.valid_to >= day:
        return
    refuse_after_cessation(f"Implementering dateret {day.isoformat()} kan ikke registreres i "
                           f"{area.name}", area.name, area.valid_to,
                           successor_names(session, "area", area.key, day))
