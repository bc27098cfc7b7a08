"""What the public may see: when an agreement is published, and what aktindsigt withholds.

An agreement is shown on the public pages (`/offentlig/`) according to its case handler's
choice: from the day it is sent for approval (the default: a round has started), from a
chosen date, or never. Withholding grounds name the paragraph of offentlighedsloven
(lov nr. 606 af 12. juni 2013) that a withheld part of an aktindsigt package is withheld under.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Publication(StrEnum):
    AT_RECOMMENDATION = "ved_indstilling"
    FROM_DATE = "fra_dato"
    NEVER = "aldrig"


PUBLICATION_LABELS: dict[str, str] = {
    Publication.AT_RECOMMENDATION: "Offentlig fra indstilling til godkendelse (standard)",
    Publication.FROM_DATE: "Offentlig fra en bestemt dato",
    Publication.NEVER: "Aldrig offentlig",
}


def is_public(publication: str, public_from: date | None, round_no: int, today: date) -> bool:
    """The rule the public read model also applies in SQL (`services.reading.public`)."""
    if publication == Publication.AT_RECOMMENDATION:
        return round_no >= 1
    if publication == Publication.FROM_DATE:
        return public_from is not None and public_from <= today
    return False


def publication_text(publication: str, public_from: date | None) -> str:
    if publication == Publication.FROM_DATE and public_from is not None:
        return f"Offentlig fra {public_from:%d.%m.%Y}"
    return PUBLICATION_LABELS.get(publication, publication)


class Ground(StrEnum):
    """Why a part of a case is withheld from an aktindsigt package."""

    INTERNAL = "internt_dokument"
    CLOSED_ITEM = "lukket_punkt"
    REQUESTER = "anmoder"


GROUNDS: dict[str, str] = {
    Ground.INTERNAL: "offentlighedslovens § 23, stk. 1, nr. 1 (interne dokumenter, der ikke "
                     "er afgivet til udenforstående)",
    Ground.CLOSED_ITEM: "offentlighedslovens § 30, nr. 1, og § 33, nr. 5 (lukket "
                        "dagsordenpunkt: private forhold og væsentlige hensyn)",
    Ground.REQUESTER: "offentlighedslovens § 30, nr. 1 (oplysninger om enkeltpersoners "
                      "private forhold: hvem der har bedt om aktindsigt)",
}
