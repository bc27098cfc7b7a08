"""Word-by-word changes between two text versions of an agreement (no I/O).

The diff itself is Google's diff-match-patch; we only feed it words instead of characters
(its documented "word mode": each distinct word becomes one character, then back), so a
change reads as whole inserted and deleted words, the way a council reads track changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

SegmentKind = Literal["uaendret", "indsat", "slettet"]
_KINDS: dict[int, SegmentKind] = {0: "uaendret", 1: "indsat", -1: "slettet"}
_WORDS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class TextSnapshot:
    """What a text version holds: title, description, agreement text, attachments' names."""

    title: str
    description: str
    body: str
    attachments: Sequence[str] = ()


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One field's changes; `segments` is the whole new text with insertions and deletions."""

    field: str
    label: str
    changed: bool
    segments: tuple[Segment, ...]


FIELD_LABELS = {
    "title": "Titel",
    "description": "Beskrivelse",
    "body": "Aftaletekst",
    "attachments": "Bilag",
}


def _tokens_to_chars(tokens_a: list[str], tokens_b: list[str]) -> tuple[str, str, list[str]]:
    table: list[str] = [""]
    index: dict[str, int] = {}

    def encode(tokens: list[str]) -> str:
        chars = []
        for token in tokens:
            if token not in index:
                index[token] = len(table)
                table.append(token)
            chars.append(chr(index[token]))
        return "".join(chars)

    return encode(tokens_a), encode(tokens_b), table


def diff_tokens(old: list[str], new: list[str]) -> tuple[Segment, ...]:
    """Diff two token lists with diff-match-patch; neighbouring segments of a kind merge."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # deterministic: the same texts always give the same segments
    chars_a, chars_b, table = _tokens_to_chars(old, new)
    diffs = dmp.diff_main(chars_a, chars_b, False)
    dmp.diff_cleanupSemantic(diffs)  # on words, before they turn back into characters
    dmp.diff_charsToLines(diffs, table)
    return tuple(Segment(_KINDS[op], text) for op, text in diffs if text)


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """Insertions and deletions of whole words (whitespace kept as its own token)."""
    return diff_tokens(_WORDS.findall(old), _WORDS.findall(new))


def compare(old: TextSnapshot, new: TextSnapshot) -> tuple[FieldChange, ...]:
    """Every field of the two versions, each with its changes (unchanged fields included)."""
    pairs = {
        "title": (old.title, new.title),
        "description": (old.description, new.description),
        "body": (old.body, new.body),
    }
    changes = [FieldChange(name, FIELD_LABELS[name], a != b, word_diff(a, b))
               for name, (a, b) in pairs.items()]
    before = [f"{n}\n" for n in old.attachments]
    after = [f"{n}\n" for n in new.attachments]
    changes.append(FieldChange("attachments", "Bilag", before != after,
                               diff_tokens(before, after)))
    return tuple(changes)
