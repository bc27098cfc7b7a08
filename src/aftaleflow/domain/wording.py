"""Words the product writes in more than one place, worded once.

A reminder's deadline reads the same in the mail's subject, the outbox listing, the
dashboard and the rykker letter; a party's draft agenda item names the party as the party
calls itself (a council: "kommunen"; the regionsråd: its region and the regionsråd).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aftaleflow.domain.calendar import danish_long_date


def deadline_phrase(deadline: date, today: date) -> str:
    """ "frist 3. november 2026" before the day, "frist i dag" on it, and
    "fristen overskredet (3. november 2026)" after it."""
    if today < deadline:
        return f"frist {danish_long_date(deadline)}"
    if today == deadline:
        return "frist i dag"
    return f"fristen overskredet ({danish_long_date(deadline)})"


@dataclass(frozen=True)
class PartyWords:
    decision_of: str
    """Whose decision the request asks for: "kommunens", "Region Syddanmarks"."""
    decided_in: str
    """Where, when it is not obvious: "" for a council, " i regionsrådet" for the region."""
    filled_by: str
    """Who fills in meeting date and item number: "kommunen" or "regionen"."""


def party_words(body_kind: str, region_name: str) -> PartyWords:
    """How a request and its draft name the party that decides."""
    if body_kind == "regionsraad":
        genitive = region_name if region_name.endswith("s") else f"{region_name}s"
        return PartyWords(genitive, " i regionsrådet", "regionen")
    return PartyWords("kommunens", "", "kommunen")
