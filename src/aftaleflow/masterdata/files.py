"""Reading the governance master-data files shipped with the package (or a directory given)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    import yaml  # imported here: read commands never parse master data files

    raw: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name in FILES:
        data = (directory / name).read_bytes()
        digest.update(name.encode() + b"\0" + data)
        raw.update(yaml.safe_load(data))
    return MasterData(
        regions=raw["regions"],
        municipalities=raw["municipalities"],
        areas=raw["areas"],
        bodies=raw["bodies"],
        rules=raw["rules"],
        digest=digest.hexdigest(),
    )
