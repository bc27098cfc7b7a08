"""The kinds of agreement and where one comes from, with their Danish labels.

Plain enums, apart from the tables (`model`), so a read that builds no SQLModel class
(`aftaleflow agreement show`) words them the same way.
"""

from __future__ import annotations

from enum import StrEnum


class AgreementKind(StrEnum):
    REGIONAL = "regional_samarbejdsaftale"
    LOCAL = "lokal_aftale"
    CLUSTER_FUNDS = "klyngemidler_beslutning"
    HORIZONTAL = "horisontal_samarbejdsaftale"
    CO_FINANCING = "medfinansieringsaftale"


class AgreementOrigin(StrEnum):
    TRIAL = "proevehandling"
    SSU_COMMISSION = "ssu_bestilling"


KIND_LABELS: dict[str, str] = {
    AgreementKind.REGIONAL: "Regional samarbejdsaftale",
    AgreementKind.LOCAL: "Lokal aftale",
    AgreementKind.CLUSTER_FUNDS: "Klyngemidler-beslutning",
    AgreementKind.HORIZONTAL: "Horisontal samarbejdsaftale (sundhedslovens § 118 d)",
    AgreementKind.CO_FINANCING: "Aftale om regional medfinansiering (sundhedslovens § 118 c)",
}
ORIGIN_LABELS: dict[str, str] = {
    AgreementOrigin.TRIAL: "Prøvehandling i klynge",
    AgreementOrigin.SSU_COMMISSION: "Bestilling fra SSU",
}
FIXED_PARTY_KINDS = (AgreementKind.REGIONAL, AgreementKind.LOCAL, AgreementKind.CLUSTER_FUNDS)
"""Kinds whose parties follow from the structure; the others name their municipalities."""
