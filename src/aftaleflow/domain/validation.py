"""Input rules with Danish messages: KLE case numbers, free text, dates."""

from __future__ import annotations

import re
import unicodedata

from aftaleflow.domain.errors import ValidationFailed

# KLE journal number: subject 29.30.08, action facet P27, serial 1, year 21.
KLE_PATTERN = re.compile(r"^(\d{2})\.(\d{2})\.(\d{2})-([A-Z])(\d{2})-(\d{1,6})-(\d{2})$")
MAX_TITLE = 300
MAX_TEXT = 100_000


def validate_kle(value: str) -> str:
    value = value.strip()
    if not KLE_PATTERN.match(value):
        raise ValidationFailed(
            f"Ugyldigt KLE-sagsnummer '{_preview(value)}'. Forventet form: emne.emne.emne-"
            "facet-løbenr-år, fx 29.30.08-P27-1-21."
        )
    return value


def clean_text(value: str, field: str, *, max_len: int = MAX_TEXT, required: bool = False,
               single_line: bool = False) -> str:
    """The one check for free text from CLI, API, dashboard and master-data import.

    Refuses control characters and invisible formatting characters (bidi overrides such as
    U+202E, zero-width characters), so a text cannot display differently from what it is.
    Multi-line text keeps ordinary line breaks (CR LF becomes LF) and tabs.
    """
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if required and not value:
        raise ValidationFailed(f"Feltet '{field}' skal udfyldes.")
    if len(value) > max_len:
        raise ValidationFailed(
            f"Feltet '{field}' er for langt ({len(value)} tegn; højst {max_len})."
        )
    bad = next((c for c in value if _forbidden(c, single_line)), None)
    if bad is not None:
        raise ValidationFailed(
            f"Feltet '{field}' indeholder {_kind(bad)} (U+{ord(bad):04X}), som ikke er "
            "tilladt" + (" i et felt på én linje." if single_line else ".")
            + " Skriv teksten igen uden skjulte tegn."
        )
    return value


def _forbidden(char: str, single_line: bool) -> bool:
    category = unicodedata.category(char)
    if char in "\n\t":
        return single_line
    return category in _FORBIDDEN_CATEGORIES or (single_line and category in ("Zl", "Zp"))


# Cc: control characters; Cf: invisible format characters (bidi embeddings, overrides and
# isolates, zero-width space/joiners, BOM, soft hyphen); Cs/Co/Cn: surrogates, private use,
# unassigned code points. Zl/Zp (U+2028/2029) break a single line.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                   0x200E, 0x200F, 0x061C))


def _kind(char: str) -> str:
    if char in _BIDI:
        return "et skjult tegn, der vender skriveretningen"
    if char == "\n":
        return "et linjeskift"
    if unicodedata.category(char) == "Cc":
        return "kontroltegn"
    if unicodedata.category(char) in ("Zl", "Zp"):
        return "et linjeskift"
    return "et usynligt tegn"


def _preview(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."
