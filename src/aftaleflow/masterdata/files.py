"""Reading the governance master-data files shipped with the package (or a directory given).

Every file is validated before anything is used (`schema`, `checks`): a broken set raises
`MasterDataInvalid` with file, line and field, so nothing is half-loaded.
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


def read(directory: Path = PACKAGE_DIR) -> MasterData:
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise MasterDataInvalid([f"{name}: filen mangler i {directory}." for name in missing])
    return parse({name: (directory / name).read_bytes() for name in FILES})


def parse(sources: Mapping[str, bytes]) -> MasterData:
    """Validate a whole set of files (name -> content) and return their rows."""
    missing = [name for name in FILES if name not in sources]
    if missing:
        raise MasterDataInvalid([f"{name}: filen mangler." for name in missing])
    digest = hashlib.sha256()
    located = {}
    for name in FILES:
        digest.update(name.encode() + b"\0" + sources[name])
        located[name] = schema.load_yaml(name, sources[name])
    rows: dict[str, list[dict[str, Any]]] = {}
    found: list[str] = []
    for section, (name, model) in schema.SECTIONS.items():
        rows[section], problems = schema.validate_rows(located[name], section, model)
        found.extend(problems)
    if not found:
        found = checks.problems(checks.Sections(
            files={section: located[name] for section, (name, _) in schema.SECTIONS.items()},
            rows=rows))
    if found:
        raise MasterDataInvalid(found)
    return MasterData(
        regions=rows["regions"],
        municipalities=rows["municipalities"],
        areas=rows["areas"],
        bodies=rows["bodies"],
        rules=rows["rules"],
        digest=digest.hexdigest(),
    )
