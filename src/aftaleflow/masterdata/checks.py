"""Checks across the master-data files: references, dates, successors, overlapping councils.

Each check returns Danish problems naming file, line and field; `parse` refuses the whole set
if any is found, so nothing is loaded from a broken version.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aftaleflow.masterdata.schema import Located

Rows = list[dict[str, Any]]
_SINGLE_MEMBERSHIP_KINDS = ("sundhedsraad",)  # a municipality sits in one of these per day


@dataclass(frozen=True)
class Sections:
    """The valid rows of each section; `index` maps a row's position here to its place in the
    file (rows with schema problems are left out), `known` is every key the file names (None:
    the file could not be read, so references into it are not checked)."""

    files: dict[str, Located]  # section -> the file it came from
    rows: dict[str, Rows]
    index: dict[str, list[int]] = field(default_factory=dict)
    known: dict[str, set[str] | None] = field(default_factory=dict)

    def where(self, section: str, *path: Any) -> str:
        if path and isinstance(path[0], int) and section in self.index:
            path = (self.index[section][path[0]], *path[1:])
        return self.files[section].where((section, *path))


def _overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return a_from <= (b_to or date.max) and b_from <= (a_to or date.max)


def _dates(s: Sections) -> Iterator[str]:
    def check(section: str, path: tuple[Any, ...], row: dict[str, Any]) -> Iterator[str]:
        start, end = row.get("valid_from"), row.get("valid_to")
        if start and end and end < start:
            yield (f"{s.where(section, *path, 'valid_to')}: slutdato {end} ligger før "
                   f"startdato {start}.")

    for section, rows in s.rows.items():
        for i, row in enumerate(rows):
            yield from check(section, (i,), row)
            for j, rm in enumerate(row.get("regions", [])):
                yield from check(section, (i, "regions", j), rm)
            for j, m in enumerate(row.get("members", [])):
                yield from check(section, (i, "members", j), m)


def _unique(s: Sections) -> Iterator[str]:
    for section, key in (("regions", "key"), ("areas", "key"), ("bodies", "key"),
                         ("municipalities", "code")):
        seen: set[str] = set()
        for i, row in enumerate(s.rows[section]):
            if row[key] in seen:
                yield f"{s.where(section, i, key)}: '{row[key]}' findes to gange."
            seen.add(row[key])
    rules: set[tuple[str, date]] = set()
    for i, rule in enumerate(s.rows["rules"]):
        if (rule["kind"], rule["valid_from"]) in rules:
            yield (f"{s.where('rules', i, 'valid_from')}: reglen for '{rule['kind']}' fra "
                   f"{rule['valid_from']} findes to gange.")
        rules.add((rule["kind"], rule["valid_from"]))


def _references(s: Sections) -> Iterator[str]:
    keys = {sec: s.known.get(sec, {r.get("key") or r.get("code") for r in s.rows[sec]})
            for sec in ("regions", "areas", "bodies", "municipalities")}

    def ref(section: str, path: tuple[Any, ...], value: str | None, target: str,
            what: str) -> Iterator[str]:
        known = keys[target]
        if value is not None and known is not None and value not in known:
            yield f"{s.where(section, *path)}: ukendt {what} '{value}'."

    for i, m in enumerate(s.rows["municipalities"]):
        for j, rm in enumerate(m["regions"]):
            yield from ref("municipalities", (i, "regions", j, "region"), rm["region"],
                           "regions", "region")
    for i, a in enumerate(s.rows["areas"]):
        yield from ref("areas", (i, "region"), a["region"], "regions", "region")
        for j, m in enumerate(a["members"]):
            yield from ref("areas", (i, "members", j, "municipality"), m["municipality"],
                           "municipalities", "kommunekode")
    for i, b in enumerate(s.rows["bodies"]):
        for name, target, what in (("region", "regions", "region"),
                                    ("municipality", "municipalities", "kommunekode"),
                                    ("cluster", "areas", "klynge/sundhedsråd")):
            yield from ref("bodies", (i, name), b.get(name), target, what)


def _successors(s: Sections) -> Iterator[str]:
    """A successor must exist, and must not be valid before its predecessor ends."""
    for section in ("regions", "areas", "bodies"):
        by_key = {r["key"]: r for r in s.rows[section]}
        for i, row in enumerate(s.rows[section]):
            block = row.get("succession")
            if not block:
                continue
            end = row.get("valid_to")
            if end is None:
                yield (f"{s.where(section, i, 'succession')}: '{row['key']}' har en "
                       "efterfølger, men ingen slutdato (valid_to).")
            elif block["valid_from"] <= end:
                yield (f"{s.where(section, i, 'succession', 'valid_from')}: efterfølgeren "
                       f"overtager {block['valid_from']}, før '{row['key']}' ophører {end}.")
            written = s.known.get(section, set(by_key))
            for j, key in enumerate(block["successors"]):
                succ = by_key.get(key)
                where = s.where(section, i, "succession", "successors", j)
                if succ is None and written is not None and key in written:
                    continue  # the successor's own row has a problem, named on its own line
                if succ is None:
                    yield f"{where}: ukendt efterfølger '{key}'."
                elif end is not None and succ["valid_from"] <= end:
                    yield (f"{where}: efterfølgeren '{key}' gælder fra {succ['valid_from']}, "
                           f"før '{row['key']}' ophører {end}.")


def _one_council_per_day(s: Sections) -> Iterator[str]:
    """A municipality is in one region, and in one sundhedsråd, on any day."""
    for i, m in enumerate(s.rows["municipalities"]):
        spans = m["regions"]
        for j, b in enumerate(spans):
            for a in spans[:j]:
                if _overlap(a["valid_from"], a.get("valid_to"), b["valid_from"], b.get("valid_to")):
                    yield (f"{s.where('municipalities', i, 'regions', j, 'valid_from')}: "
                           f"{m['name']} hører til både '{a['region']}' og '{b['region']}' "
                           f"samme dag ({max(a['valid_from'], b['valid_from'])}).")
    seen: dict[str, list[tuple[str, date, date | None]]] = {}
    for i, area in enumerate(s.rows["areas"]):
        if area["kind"] not in _SINGLE_MEMBERSHIP_KINDS:
            continue
        for j, member in enumerate(area["members"]):
            start = member.get("valid_from") or area["valid_from"]
            end = member.get("valid_to", area.get("valid_to"))
            code = member["municipality"]
            for other, o_start, o_end in seen.get(code, []):
                if other != area["key"] and _overlap(start, end, o_start, o_end):
                    yield (f"{s.where('areas', i, 'members', j, 'municipality')}: kommune "
                           f"{code} ({member.get('name') or ''}) er i både '{other}' og "
                           f"'{area['key']}' samme dag ({max(start, o_start)}).")
            seen.setdefault(code, []).append((area["key"], start, end))


CHECKS = (_dates, _unique, _references, _successors, _one_council_per_day)


def problems(s: Sections) -> list[str]:
    found: list[str] = []
    for check in CHECKS:
        found.extend(check(s))
    return found
