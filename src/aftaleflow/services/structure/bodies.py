"""Committees an administrator adds and ends without a release (fagudvalg, udvalg, ...).

Bodies from the master-data files are loaded by `aftaleflow init`; a council's own
committees (Forebyggelsesudvalget, FOU) are added here, with their validity dates, and kept
when the files are loaded again (the load never removes bodies it does not know).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, or_, select

from aftaleflow.domain.errors import Conflict, NotFound, ValidationFailed
from aftaleflow.domain.model import Body, Municipality, Region
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.structure.reading import BodyView, body_view
from aftaleflow.services.uow import ServiceContext, UnitOfWork

# Kinds an administrator may add; councils, økonomiudvalg, regionsråd and SSU come from the
# master-data files.
COMMITTEE_KINDS: dict[str, str] = {
    "fagudvalg": "fagudvalg",
    "udvalg": "udvalg",
    "direktion": "direktion",
}
KEY_PATTERN = re.compile(r"^[a-z0-9æøå][a-z0-9æøå-]{1,59}$")


@dataclass(frozen=True)
class NewBody:
    key: str
    name: str
    short_name: str
    kind: str
    valid_from: date
    municipality: str | None = None
    region: str | None = None
    email: str | None = None


def add_body(ctx: ServiceContext, new: NewBody) -> BodyView:
    """Add a committee valid from `valid_from`; one audit event."""
    ctx.authorize("masterdata.admin")
    key = new.key.strip().lower()
    if not KEY_PATTERN.match(key):
        raise ValidationFailed(f"Ugyldig nøgle '{key[:60]}'. Brug små bogstaver, tal og "
                               "bindestreg, fx fou-657.")
    if new.kind not in COMMITTEE_KINDS:
        raise ValidationFailed(f"Ukendt organtype '{new.kind[:40]}'. Mulige: "
                               f"{', '.join(COMMITTEE_KINDS)}.")
    name = clean_text(new.name, "navn", max_len=200, required=True, single_line=True)
    short = clean_text(new.short_name, "forkortelse", max_len=20, required=True,
                       single_line=True)
    with UnitOfWork(ctx) as uow:
        s = uow.session
        if s.exec(select(Body).where(Body.key == key)).first() is not None:
            raise Conflict(f"Der findes allerede et organ med nøglen '{key}'.")
        body = Body(key=key, name=name, short_name=short, kind=new.kind,
                    municipality_id=_municipality_id(s, new.municipality),
                    region_id=_region_id(s, new.region), email=new.email or None,
                    valid_from=new.valid_from, valid_to=None)
        s.add(body)
        s.flush()
        uow.record(entity="body", entity_id=body.id, trigger="opret_organ", from_state=None,
                   to_state=new.kind, comment=f"{name} ({short}) fra {new.valid_from}")
        uow.commit()
        return body_view(body)


def end_body(ctx: ServiceContext, key: str, valid_to: date) -> BodyView:
    """End a committee: valid up to and including `valid_to`; kept for history."""
    ctx.authorize("masterdata.admin")
    with UnitOfWork(ctx) as uow:
        body = uow.session.exec(select(Body).where(Body.key == key.strip().lower())).first()
        if body is None:
            raise NotFound(f"Ukendt organ '{key[:60]}'.")
        if body.kind not in COMMITTEE_KINDS:
            raise ValidationFailed(f"{body.name} kommer fra stamdatafilerne; ret dem og kør "
                                   "aftaleflow init.")
        if valid_to < body.valid_from:
            raise ValidationFailed(f"{body.name} gælder først fra {body.valid_from}; "
                                   f"slutdatoen {valid_to} ligger før.")
        before = body.valid_to
        body.valid_to = valid_to
        uow.session.add(body)
        uow.record(entity="body", entity_id=body.id, trigger="nedlaeg_organ",
                   from_state=str(before) if before else None, to_state=str(valid_to),
                   comment=f"{body.name} ({body.short_name}) gælder til og med {valid_to}")
        uow.commit()
        return body_view(body)


def _municipality_id(session: Session, ref: str | None) -> int | None:
    if not ref:
        return None
    needle = ref.strip().lower().removesuffix(" kommune")
    muni = session.exec(select(Municipality).where(or_(
        Municipality.code == needle, col(Municipality.name).ilike(needle)))).first()
    if muni is None:
        raise NotFound(f"Ukendt kommune '{ref[:60]}'. Brug kommunekode eller navn.")
    return muni.id


def _region_id(session: Session, ref: str | None) -> int | None:
    if not ref:
        return None
    region = session.exec(select(Region).where(Region.key == ref.strip().lower())).first()
    if region is None:
        raise NotFound(f"Ukendt region '{ref[:60]}'.")
    return region.id


def route_names(session: Session, codes: list[str], meeting_body: Body, on: date
                ) -> dict[str, str]:
    """Full names of the route's short names, valid on `on`; the meeting's own council's
    committees first (FOU in Herning before an FOU elsewhere)."""
    if not codes:
        return {}
    rows = session.exec(select(Body).where(
        col(Body.short_name).in_(codes), col(Body.valid_from) <= on,
        or_(col(Body.valid_to).is_(None), col(Body.valid_to) >= on))).all()
    ranked = sorted(rows, key=lambda b: (b.municipality_id != meeting_body.municipality_id,
                                         b.region_id != meeting_body.region_id, b.id or 0))
    names: dict[str, str] = {}
    for body in ranked:
        names.setdefault(body.short_name or "", body.name)
    return names
