"""Where an agreement may come from on a day, as the master data's origins say.

`origins_on` is the one place that answers it: creating an agreement (every adapter), the
CLI's `structure origins`, `GET /structure/origins` and the dashboard's structure page all
read it. "Bestilling fra SSU" ends with the SSU on 2026-12-31, so an agreement created after
is neither offered nor given it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.model import OriginRule
from aftaleflow.services.structure.masterdata import valid_on
from aftaleflow.services.uow import ServiceContext, UnitOfWork


@dataclass(frozen=True)
class OriginView:
    key: str
    label: str
    first_state: str
    valid_from: date
    valid_to: date | None
    confirmed: bool
    source: str
    default: bool = False  # the first valid one that day: what is given when none is named

    @property
    def shown(self) -> str:
        """'Drøftelse i sundhedsrådet (foreløbig)' for an origin not settled in sources."""
        return self.label if self.confirmed else f"{self.label} (foreløbig)"


def origins_on(session: Session, day: date) -> list[OriginView]:
    """The origins valid on `day`, in the master data's order; the first is the default."""
    rows = session.exec(select(OriginRule).where(valid_on(OriginRule, day))
                        .order_by(col(OriginRule.position), col(OriginRule.id))).all()
    return [OriginView(r.key, r.label, r.first_state, r.valid_from, r.valid_to, r.confirmed,
                       r.source, default=i == 0) for i, r in enumerate(rows)]


def valid_origins(ctx: ServiceContext, day: date | None = None) -> list[OriginView]:
    """The origins an agreement created on `day` (default today) may be given."""
    ctx.authorize("masterdata.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        return origins_on(uow.session, day or uow.now.date())


def _listed(origins: list[OriginView]) -> str:
    return ", ".join(f"{o.key} ({o.shown})" for o in origins) or "ingen"


def choose_origin(session: Session, key: str | None, day: date) -> OriginView:
    """The origin an agreement created on `day` gets: the one named, if valid that day, or
    the day's default; refused in Danish with the valid ones listed."""
    valid = origins_on(session, day)
    if key is None:
        if not valid:
            raise ValidationFailed(f"Stamdata har ingen oprindelse, der gælder {day.isoformat()}"
                                   "; indlæs stamdata (aftaleflow init).")
        return valid[0]
    chosen = next((o for o in valid if o.key == key), None)
    if chosen is not None:
        return chosen
    other = session.exec(select(OriginRule).where(OriginRule.key == key)
                         .order_by(col(OriginRule.valid_from))).all()
    if not other:
        why = f"Ugyldig værdi for 'oprindelse': '{key[:40]}' er ukendt"
    else:
        last, first = other[-1], other[0]
        span = (f"gælder kun til {last.valid_to.isoformat()}" if last.valid_to
                and last.valid_to < day else f"gælder først fra {first.valid_from.isoformat()}")
        why = f"Oprindelsen '{last.label}' ({key}) {span}"
    raise ValidationFailed(f"{why}. Gyldige oprindelser {day.isoformat()}: {_listed(valid)}.")
