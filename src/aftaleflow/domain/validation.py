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
    """Reject control characters and oversize text instead of storing them."""
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise ValidationFailed(f"Feltet '{field}' skal udfyldes.")
    if len(value) > max_len:
        raise ValidationFailed(
            f"Feltet '{field}' er for langt ({len(value)} tegn; højst {max_len})."
        )
    allowed = set() if single_line else {"\n", "\t"}
    bad = [c for c in value if unicodedata.category(c) == "Cc" and c not in allowed]
    if bad:
        raise ValidationFailed(
            f"Feltet '{field}' indeholder kontroltegn (fx {ord(bad[0]):#04x}), som ikke er "
            "tilladt."
        )
    return value


def _preview(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."
