"""Parties chosen per agreement (kinds of 2027: horisontal samarbejdsaftale, medfinansiering).

Whether a kind's parties are chosen is data: its approval rule names the selector
`named_municipal_councils`. The chosen municipalities must belong to the agreement's region
on the day they are named.
"""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, col, func, or_, select

from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.domain.model import (
    KIND_LABELS,
    Agreement,
    Approval,
    ApprovalRule,
    Body,
    Municipality,
    Region,
    RegionMembership,
)
from aftaleflow.services.structure.masterdata import valid_on
from aftaleflow.services.views import CERTAINTY_LABELS

CHOSEN = "named_municipal_councils"


def _find_municipality(session: Session, ref: str) -> Municipality:
    name = ref.strip().removesuffix(" Kommune").removesuffix(" Regionskommune")
    found = session.exec(select(Municipality).where(or_(
        Municipality.code == ref.strip(), func.lower(Municipality.name) == name.lower()))).first()
    if found is None:
        raise NotFound(f"Ukendt kommune '{ref[:40]}': brug kommunenavn eller kommunekode.")
    return found


def _first_rule_day(session: Session, kind: str) -> date | None:
    return session.exec(select(func.min(ApprovalRule.valid_from))
                        .where(ApprovalRule.kind == kind)).first()


def chosen_parties(session: Session, kind: str, region: Region, refs: list[str],
                   on: date) -> list[Municipality]:
    """The named municipalities, checked against the kind's rule and the region on `on`."""
    label = KIND_LABELS.get(kind, kind)
    rule = session.exec(select(ApprovalRule).where(
        ApprovalRule.kind == kind, valid_on(ApprovalRule, on))).first()
    if rule is None:
        first = _first_rule_day(session, kind)
        when = f"; reglen gælder fra {first}" if first and first > on else ""
        raise ValidationFailed(
            f"Stamdata har ingen godkendelsesregel for {label} gældende {on}{when}.")
    if CHOSEN not in rule.approvers.split(","):
        if refs:
            raise ValidationFailed(f"{label} har sine parter fra stamdata; der kan ikke "
                                   "vælges kommuner som parter (--part).")
        return []
    if not refs:
        raise ValidationFailed(f"{label} skal have mindst én kommune som part ud over "
                               "regionen (--part, fx --part Køge).")
    members = set(session.exec(select(RegionMembership.municipality_id).where(
        RegionMembership.region_id == region.id, valid_on(RegionMembership, on))).all())
    chosen: dict[int, Municipality] = {}
    for ref in refs:
        m = _find_municipality(session, ref)
        if m.id not in members:
            names = sorted(x.name for x in session.exec(
                select(Municipality).where(col(Municipality.id).in_(members))))
            raise ValidationFailed(
                f"{m.name} Kommune hører ikke til {region.name} {on}. Kommuner i regionen: "
                f"{', '.join(names) or 'ingen'}.")
        chosen[m.id] = m
    return list(chosen.values())


def _md(text: str) -> str:
    """Names and sources as literal text in Markdown (a '*' in a source stays a '*')."""
    return re.sub(r"([\\`*_\[\]()#+!<>|~])", r"\\\1", text)


def round_parties_markdown(session: Session, agreement: Agreement) -> str:
    """The draft sagsfremstilling's party list: who approves in this round, and which party
    was asked on data not confirmed ("foreløbig"/"omstridt", with the source)."""
    if agreement.round_no == 0:
        return ""
    rows = session.exec(select(Approval, Body).join(Body, col(Body.id) == Approval.body_id)
                        .where(Approval.agreement_id == agreement.id,
                               Approval.round_no == agreement.round_no)
                        .order_by(col(Body.kind) != "regionsraad", col(Body.name))).all()
    lines = [f"Samarbejdsaftalen godkendes i runde {agreement.round_no} af disse "
             f"{len(rows)} parter:", ""]
    for approval, body in rows:
        label = CERTAINTY_LABELS.get(approval.certainty or "")
        mark = f" – *{label}*: {_md(approval.certainty_source or '')}" if label else ""
        lines.append(f"- {_md(body.name)}{mark}")
    return "\n".join(lines)
