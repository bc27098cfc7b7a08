"""Checks other services make against the structure valid on a day, with successors named.

Used inside the caller's transaction: creating an agreement in a region or area that does not
exist that day, or a decision by a body that has ceased, is refused with the way forward.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.model import Body, Cluster, Region, Succession
from aftaleflow.domain.succession import (
    ceased_text,
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


def is_valid(row: Region | Cluster | Body, on: date) -> bool:
    return row.valid_from <= on and (row.valid_to is None or row.valid_to >= on)


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


def require_body_active(session: Session, body: Body, day: date) -> None:
    """A decision dated after the body ceased is refused, naming its successor."""
    if body.valid_to is None or body.valid_to >= day:
        return
    refuse_decision_after_cessation(body.name, body.valid_to, day,
                                    successor_names(session, "body", body.key, day))


def require_area_active(session: Session, area: Cluster, day: date) -> None:
    """Implementation cannot be recorded in an area after it was abolished."""
    if area.valid_to is None or area.valid_to >= day:
        return
    refuse_after_cessation(f"Implementering dateret {day.isoformat()} kan ikke registreres i "
                           f"{area.name}", area.name, area.valid_to,
                           successor_names(session, "area", area.key, day))
