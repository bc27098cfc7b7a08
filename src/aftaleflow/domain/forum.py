"""Which forum discusses and recommends a case, as the approval rule valid on a date says.

The agreement machine keeps its state names (til_behandling_i_ssu ...); its Danish labels name
the SSU. From the day the rule names another forum (a sundhedsråd, or none), every label shown
for a step then says that forum instead, so nothing says "SSU" after the SSU ceased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SSU = "SSU"
_TOKEN = re.compile(r"\bSSU\b")
NO_FORUM = "forum (ikke fastlagt i stamdata)"


@dataclass(frozen=True)
class Forum:
    """The forum of a case on a day; `name` is what labels say instead of "SSU"."""

    kind: str  # ssu_of_region | sundhedsraad_of_area | none
    name: str
    confirmed: bool

    @property
    def label(self) -> str:
        return self.name if self.confirmed else f"{self.name} (foreløbig)"


def names_forum(label: str) -> bool:
    return bool(_TOKEN.search(label))


def replacement(forum: Forum | None) -> str | None:
    """What labels say instead of "SSU" (None: keep "SSU")."""
    return None if forum is None or forum.kind == "ssu_of_region" else forum.label


def replace_forum(label: str, name: str | None) -> str:
    if name is None or not names_forum(label):
        return label
    text = _TOKEN.sub(name, label)
    return text[:1].upper() + text[1:]


def with_forum(label: str, forum: Forum | None) -> str:
    """The label with "SSU" replaced by the forum valid on the day (unchanged for the SSU)."""
    return replace_forum(label, replacement(forum))


def forum_of(kind: str, confirmed: bool, sundhedsraad: str | None) -> Forum:
    """The forum a rule names; a sundhedsråd rule without an area's council names none."""
    if kind == "ssu_of_region":
        return Forum(kind, SSU, confirmed)
    if kind == "sundhedsraad_of_area" and sundhedsraad:
        return Forum(kind, sundhedsraad, confirmed)
    return Forum("none", NO_FORUM, confirmed)


def recommendation_sentence(forum: Forum | None, title: str, version: int) -> str:
    """The round letter's opening: who recommended the agreement, as the forum of the day."""
    what = f"samarbejdsaftalen '{title}' (version {version})"
    if forum is None or forum.kind == "ssu_of_region":
        return f"Sundhedssamarbejdsudvalget har indstillet {what} til godkendelse"
    if forum.kind == "sundhedsraad_of_area":
        return f"{forum.label} har indstillet {what} til godkendelse"
    return f"{what[:1].upper()}{what[1:]} er sendt til godkendelse"
