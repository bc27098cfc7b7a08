"""One-off: turn shared/reference/*.csv into the package's master-data YAML.

The YAML files in src/aftaleflow/masterdata/ are the source of truth afterwards; this
script records how the first version was made (each row keeps its source and confidence).
Run from the project root: python docs/build_masterdata.py ../shared/reference
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import yaml

OUT = Path("src/aftaleflow/masterdata")
OLD_END = "2026-12-31"
NEW_START = "2027-01-01"
CLUSTER_START = "2022-07-01"

REGIONS = [
    ("nordjylland", "Region Nordjylland", "1081", "2007-01-01", None),
    ("midtjylland", "Region Midtjylland", "1082", "2007-01-01", None),
    ("syddanmark", "Region Syddanmark", "1083", "2007-01-01", None),
    ("hovedstaden", "Region Hovedstaden", "1084", "2007-01-01", OLD_END),
    ("sjaelland", "Region Sjælland", "1085", "2007-01-01", OLD_END),
    ("oestdanmark", "Region Østdanmark", None, NEW_START, None),
]
REGION_KEY = {name: key for key, name, *_ in REGIONS}


def slug(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def main(ref: Path) -> None:
    munis = list(csv.DictReader((ref / "municipalities.csv").open(encoding="utf-8")))
    code_by_name = {m["name"]: m["kommunekode"] for m in munis}

    regions = []
    for key, name, code, start, end in REGIONS:
        row = {"key": key, "name": name, "code": code, "valid_from": start, "valid_to": end}
        if key == "oestdanmark":
            row["note"] = (
                "Sammenlægning af Region Hovedstaden og Region Sjælland (L 214 2024-25); "
                "forberedende regionsråd i 2026. Regionskode ikke offentliggjort."
            )
        regions.append(row)

    municipalities = []
    for m in sorted(munis, key=lambda r: int(r["kommunekode"])):
        old = REGION_KEY[m["region"]]
        memberships = []
        if old in ("hovedstaden", "sjaelland"):
            memberships.append({"region": old, "valid_from": "2007-01-01", "valid_to": OLD_END})
            memberships.append({"region": "oestdanmark", "valid_from": NEW_START, "valid_to": None})
        else:
            memberships.append({"region": old, "valid_from": "2007-01-01", "valid_to": None})
        municipalities.append(
            {"code": m["kommunekode"], "name": m["name"], "regions": memberships}
        )

    def areas(path: Path, name_col: str, kind: str, start: str, end: str | None) -> list[dict]:
        grouped: dict[str, dict] = {}
        members: dict[str, list] = defaultdict(list)
        for row in csv.DictReader(path.open(encoding="utf-8")):
            name = row[name_col]
            grouped.setdefault(
                name,
                {
                    "key": slug(name),
                    "name": name,
                    "kind": kind,
                    "region": REGION_KEY[row["region"]],
                    "acute_hospital": row.get("acute_hospital") or None,
                    "valid_from": start,
                    "valid_to": end,
                },
            )
            members[name].append(
                {
                    "municipality": code_by_name[row["municipality"]],
                    "name": row["municipality"],
                    "confidence": row["confidence"],
                    "source": row["source"],
                }
            )
        out = []
        for name, area in grouped.items():
            area["members"] = members[name]
            out.append(area)
        return out

    clusters = areas(ref / "clusters.csv", "cluster", "sundhedsklynge", CLUSTER_START, OLD_END)
    councils = areas(ref / "sundhedsraad-2027.csv", "sundhedsraad", "sundhedsraad", NEW_START, None)

    bodies = []
    for key, name, _code, start, end in REGIONS:
        bodies.append({"key": f"rr-{key}", "name": f"Regionsrådet, {name}", "kind": "regionsraad",
                       "region": key, "valid_from": start, "valid_to": end})
        bodies.append({"key": f"fu-{key}", "name": f"Forretningsudvalget, {name}",
                       "kind": "forretningsudvalg", "region": key, "valid_from": start,
                       "valid_to": end})
        if key != "oestdanmark":
            bodies.append({"key": f"ssu-{key}", "name": f"Sundhedssamarbejdsudvalget, {name}",
                           "kind": "ssu", "region": key, "valid_from": CLUSTER_START,
                           "valid_to": OLD_END})
    for m in municipalities:
        code, name = m["code"], m["name"]
        bodies.append({"key": f"kb-{code}", "name": f"Kommunalbestyrelsen, {name} Kommune",
                       "kind": "kommunalbestyrelse", "municipality": code,
                       "valid_from": "2007-01-01", "valid_to": None})
        bodies.append({"key": f"oeu-{code}", "name": f"Økonomiudvalget, {name} Kommune",
                       "kind": "oekonomiudvalg", "municipality": code,
                       "valid_from": "2007-01-01", "valid_to": None})
    for c in clusters:
        bodies.append({"key": f"pol-{c['key']}", "name": f"{c['name']}, politisk niveau",
                       "kind": "klynge_politisk", "cluster": c["key"], "region": c["region"],
                       "valid_from": CLUSTER_START, "valid_to": OLD_END})
    for c in councils:
        bodies.append({"key": f"sr-{c['key']}", "name": c["name"], "kind": "sundhedsraad",
                       "cluster": c["key"], "region": c["region"], "valid_from": NEW_START,
                       "valid_to": None})

    header = (
        "# Governance master data for aftaleflow. Versioned data, not code: a region may\n"
        "# correct or extend it without a release; `aftaleflow init` loads it idempotently.\n"
        "# Facts gathered from public sources; each membership keeps its source and confidence.\n"
    )
    for fname, payload in [
        ("regions.yaml", {"regions": regions}),
        ("municipalities.yaml", {"municipalities": municipalities}),
        ("areas.yaml", {"areas": clusters + councils}),
        ("bodies.yaml", {"bodies": bodies}),
    ]:
        text = yaml.safe_dump(payload, allow_unicode=True, sort_keys=False, width=100)
        (OUT / fname).write_text(header + text, encoding="utf-8")
    print(len(regions), len(municipalities), len(clusters), len(councils), len(bodies))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
