"""Factories for agreements in every state, built through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from aftaleflow.config import TIMEZONE
from aftaleflow.domain.machines import AGREEMENT
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import NewAgreement, advance_agreement, create_agreement
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView

LILLEBAELT = ["Billund", "Fredericia", "Kolding", "Middelfart", "Vejen", "Vejle"]


class MovableClock:
    """Injected 'now' that tests move by hand (no sleeping)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 10, 0, tzinfo=TIMEZONE)

    def __call__(self) -> datetime:
        return self.current

    def set(self, day: date) -> None:
        self.current = datetime.combine(day, time(10, 0), tzinfo=TIMEZONE)

    def tick(self, days: int = 1) -> None:
        self.current += timedelta(days=days)


@dataclass
class Spec:
    """What kind of agreement a factory makes."""

    kind: str = "lokal_aftale"
    origin: str = "ssu_bestilling"
    region: str = "syddanmark"
    cluster: str | None = "sundhedsklynge-lillebaelt"
    title: str = "Børn og unge i mistrivsel"


LOCAL_LILLEBAELT = Spec()
TRIAL_GOEDSTRUP = Spec(kind="regional_samarbejdsaftale", origin="proevehandling",
                       region="midtjylland", cluster="goedstrupklyngen-vest",
                       title="Udgående teams")


def new_agreement(ctx: ServiceContext, spec: Spec = LOCAL_LILLEBAELT) -> AgreementView:
    return create_agreement(ctx, NewAgreement(
        title=spec.title, kind=spec.kind, origin=spec.origin, region=spec.region,
        origin_cluster=spec.cluster, kle_number="29.30.08-P27-1-26",
        case_handler="Ane Holm",
    ))


def approve_all(ctx: ServiceContext, agreement: AgreementView) -> AgreementView:
    view = agreement
    for approval in agreement.approvals:
        if approval.state != "godkendt":
            view = record_decision(ctx, agreement.id,
                                   Decision(party=approval.body_key, decision="godkendt"))
    return view


# Irreversible actions need a reason in the service layer (issue 20, rule 6).
REASON = "Begrundelse til revisionssporet"


def reason_for(trigger: str) -> str | None:
    """A reason where the machine declares the trigger "only with a reason"."""
    return REASON if AGREEMENT.needs_reason(trigger) else None


# The user triggers that lead from creation (SSU-bestilling) to each agreement state.
PATHS: dict[str, list[str]] = {
    "under_udarbejdelse": [],
    "til_behandling_i_ssu": ["send_til_ssu"],
    "i_godkendelse": ["send_til_ssu", "indstil_til_godkendelse"],
    "tilbagetrukket": ["tilbagetraek"],
}


def agreement_in_state(ctx: ServiceContext, state: str) -> AgreementView:
    """An agreement brought to `state` through the services, as users would."""
    if state in ("proevehandling", "resultater_forelagt_ssu"):
        view = new_agreement(ctx, Spec(origin="proevehandling"))
        if state == "resultater_forelagt_ssu":
            view = advance_agreement(ctx, view.id, "forelaeg_ssu")
        return view
    view = new_agreement(ctx)
    if state in PATHS:
        for trigger in PATHS[state]:
            view = advance_agreement(ctx, view.id, trigger, comment=reason_for(trigger))
        return view
    for trigger in PATHS["i_godkendelse"]:
        view = advance_agreement(ctx, view.id, trigger)
    if state == "genforhandling":
        return record_decision(ctx, view.id, Decision(party="Vejle", decision="afvist",
                                                      comment=REASON))
    view = approve_all(ctx, view)
    if state in ("godkendt", "udloebet", "erstattet"):
        if state != "godkendt":
            view = advance_agreement(ctx, view.id, "marker_" + state, comment=REASON)
        return view
    view = record_implementation(ctx, view.id, "sundhedsklynge-lillebaelt", "i_gang")
    if state == "implementeret":
        view = record_implementation(ctx, view.id, "sundhedsklynge-lillebaelt", "implementeret")
    return view
