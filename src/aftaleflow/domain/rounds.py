"""Who must approve an agreement and who implements it, derived from master data on a date.

Pure functions over a `GovernanceSnapshot`; the rule (which selectors apply to which kind of
agreement) is itself data (`masterdata/approval_rules.yaml`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from aftaleflow.domain.errors import ValidationFailed


@dataclass(frozen=True)
class RoundRule:
    kind: str
    approvers: tuple[str, ...]
    implementers: str
    area_kind: str
    confirmed: bool
    forum: str = "none"
    source: str = ""


@dataclass(frozen=True)
class GovernanceSnapshot:
    on: date
    region_municipalities: dict[str, list[int]]
    area_municipalities: dict[str, list[int]]
    areas_by_region: dict[str, list[tuple[str, str]]]
    council_of_municipality: dict[int, int]
    regional_council: dict[str, int]
    rules: dict[str, RoundRule]
    # (area key, municipality id) -> (confidence, source), for memberships not confirmed
    unconfirmed_members: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)

    def rule(self, kind: str) -> RoundRule:
        try:
            return self.rules[kind]
        except KeyError:
            raise ValidationFailed(
                f"Stamdata har ingen godkendelsesregel for '{kind}' gældende {self.on}."
            ) from None


def approving_bodies(snap: GovernanceSnapshot, kind: str, region: str,
                     area: str | None, named: Sequence[int] = ()) -> list[int]:
    """Body ids that must approve, each once (København sits in two clusters, approves once).

    `named`: the municipalities a case handler chose as parties (kinds of 2027 such as the
    horisontal samarbejdsaftale); only those in the region on the day count.
    """
    rule = snap.rule(kind)
    bodies: list[int] = []
    for selector in rule.approvers:
        if selector == "municipal_councils_of_region":
            munis = snap.region_municipalities.get(region, [])
        elif selector == "municipal_councils_of_area":
            munis = snap.area_municipalities.get(area or "", [])
        elif selector == "named_municipal_councils":
            in_region = set(snap.region_municipalities.get(region, []))
            munis = [m for m in named if m in in_region]
        elif selector == "regional_council":
            munis = []
            if region in snap.regional_council:
                bodies.append(snap.regional_council[region])
        else:
            raise ValidationFailed(f"Ukendt vælger i godkendelsesregel: {selector}")
        bodies.extend(snap.council_of_municipality[m] for m in munis
                      if m in snap.council_of_municipality)
    return list(dict.fromkeys(bodies))


def implementing_areas(snap: GovernanceSnapshot, kind: str, region: str,
                       area: str | None, named: Sequence[int] = ()) -> list[str]:
    rule = snap.rule(kind)
    if rule.implementers == "origin_area":
        return [area] if area else []
    if rule.implementers == "areas_of_region":
        return [key for key, k in snap.areas_by_region.get(region, []) if k == rule.area_kind]
    if rule.implementers == "areas_of_named_municipalities":
        return [key for key, k in snap.areas_by_region.get(region, []) if k == rule.area_kind
                and set(named) & set(snap.area_municipalities.get(key, []))]
    raise ValidationFailed(f"Ukendt vælger for implementering: {rule.implementers}")


Certainty = tuple[str, str]  # (confidence: probable | disputed, source)


def uncertain_parties(snap: GovernanceSnapshot, kind: str, region: str, area: str | None,
                      named: Sequence[int] = ()) -> dict[int, Certainty]:
    """Parties asked on data that is not confirmed: an unconfirmed rule marks every party
    `probable`; an area membership marked probable or disputed marks that council."""
    rule = snap.rule(kind)
    marks: dict[int, Certainty] = {}
    if not rule.confirmed:
        for body_id in approving_bodies(snap, kind, region, area, named):
            marks[body_id] = ("probable", f"godkendelsesreglen er ikke bekræftet: {rule.source}")
    if "municipal_councils_of_area" in rule.approvers and area:
        for muni in snap.area_municipalities.get(area, []):
            mark = snap.unconfirmed_members.get((area, muni))
            council = snap.council_of_municipality.get(muni)
            if mark and council:  # the membership's mark first, the rule's after it
                rule_note = marks[council][1] if council in marks else ""
                marks[council] = (mark[0], f"medlemskab: {mark[1]}"
                                  + (f"; {rule_note}" if rule_note else ""))
    return marks
