"""docs/security.md names, for each threat, tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_test_named_in_the_security_document_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", text)
    assert len(named) >= 25
    for path, name in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"{path}::{name} is missing"
    for threat in ("other councils' data", "A leaked token", "hostile text", "replayed form",
                   "An insider rewriting the audit trail"):
        assert threat in text
    for promise in ("What checkpoints **protect against**", "What they **do not** protect against"):
        assert promise in text
