"""Reading the governance master-data files shipped with the package (or a directory given).

Every file is validated before anything is used (`schema`, `checks`): a broken set raises
`MasterDataInvalid` with file, line and field of every problem at once, so nothing is
half-loaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aftaleflow.masterdata import checks, schema
from aftaleflow.masterdata.schema import MasterDataInvalid

PACKAGE_DIR = Path(__file__).resolve().parent
FILES = ("regions.yaml", "municipalities.yaml", "areas.yaml", "bodies.yaml", "approval_rules.yaml")


@dataclass(frozen=True)
class MasterData:
    regions: list[dict[str, Any]]
    municipalities: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    bodies: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    digest: str
    origins: list[dict[str, Any]]


def read(directory: Path = PACKAGE_DIR) -> MasterData:
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise MasterDataInvalid([f"{name}: filen mangler i {directory}." for name in missing])
    return parse({name: (directory / name).read_bytes() for name in FILES})


def parse(sources: Mapping[str, bytes]) -> MasterData:
    """Validate a whole set of files (name -> content) and return their rows.

    Every problem is found in one run: a file that cannot be read is named and the others are
    still checked, field by field and across files (checks that need an unreadable file's rows
    are left out rather than reported wrongly), so a region fixes the set in one go.
    """
    found = [f"{name}: filen mangler." for name in FILES if name not in sources]
    digest = hashlib.sha256()
    located: dict[str, schema.Located] = {}
    for name in FILES:
        if name not in sources:
            continue
        digest.update(name.encode() + b"\0" + sources[name])
        try:
            located[name] = schema.load_yaml(name, sources[name])
        except MasterDataInvalid as exc:
            found.extend(exc.problems)
    rows: dict[str, list[dict[str, Any]]] = {}
    index: dict[str, list[int]] = {}
    known: dict[str, set[str] | None] = {}
    files: dict[str, schema.Located] = {}
    for section, (name, model) in schema.SECTIONS.items():
        if name not in located:
            rows[section], index[section], known[section] = [], [], None
            continue
        files[section] = located[name]
        rows[section], index[section], problems = schema.validate_rows(
            located[name], section, model)
        known[section] = schema.keys_given(located[name], section)
        found.extend(problems)
    found.extend(checks.problems(checks.Sections(files=files, rows=rows, index=index,
                                                 known=known)))
    if found:
        raise MasterDataInvalid(found)
    return MasterData(
        regions=rows["regions"],
        municipalities=rows["municipalities"],
        areas=rows["areas"],
        bodies=rows["bodies"],
        rules=rows["rules"],
        digest=digest.hexdigest(),
        origins=rows["origins"],
    )
