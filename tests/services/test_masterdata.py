"""Governance master data: complete, consistent, effective-dated, loaded idempotently."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.model import (
    ApprovalRule,
    Body,
    Cluster,
    ClusterMembership,
    Municipality,
    Region,
)
from aftaleflow.masterdata import files
from aftaleflow.services.structure.masterdata import load_master_data, snapshot
from tests.conftest import dump

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
LAST_DAY_OF_CLUSTERS = date(2026, 12, 31)
REFORM_DAY = date(2027, 1, 1)
KNOWN_CODES = {"101": "København", "147": "Frederiksberg", "657": "Herning",
               "661": "Holstebro", "751": "Aarhus", "461": "Odense", "851": "Aalborg",
               "400": "Bornholm", "825": "Læsø", "621": "Kolding", "492": "Ærø"}


def test_five_regions_until_the_reform_and_four_after(engine) -> None:
    with Session(engine) as s:
        assert len(snapshot(s, LAST_DAY_OF_CLUSTERS).region_municipalities) == 5
        after = snapshot(s, REFORM_DAY).region_municipalities
        assert sorted(after) == ["midtjylland", "nordjylland", "oestdanmark", "syddanmark"]
        assert len(after["oestdanmark"]) == 46
        codes = {r.key: r.code for r in s.exec(select(Region))}
    assert codes["midtjylland"] == "1082" and codes["oestdanmark"] is None


def test_98_municipalities_with_official_codes(engine) -> None:
    with Session(engine) as s:
        munis = {m.code: m.name for m in s.exec(select(Municipality))}
    assert len(munis) == 98
    assert all(len(code) == 3 and code.isdigit() for code in munis)
    for code, name in KNOWN_CODES.items():
        assert munis[code] == name


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference not beside the clone")
def test_municipalities_agree_with_the_reference_list() -> None:
    rows = list(csv.DictReader((REFERENCE / "municipalities.csv").open(encoding="utf-8")))
    shipped = {m["code"]: m["name"] for m in files.read().municipalities}
    assert shipped == {r["kommunekode"]: r["name"] for r in rows}


def test_22_clusters_valid_until_2026_cover_every_municipality(engine) -> None:
    with Session(engine) as s:
        snap = snapshot(s, LAST_DAY_OF_CLUSTERS)
        clusters = [c for c in s.exec(select(Cluster)) if c.kind == "sundhedsklynge"]
        all_munis = {m.id for m in s.exec(select(Municipality))}
        multi = {m.code for m in s.exec(select(Municipality))
                 if sum(m.id in v for v in snap.area_municipalities.values()) > 1}
        assert snapshot(s, REFORM_DAY).areas_by_region["midtjylland"][0][1] != "sundhedsklynge"
    assert len(clusters) == 22
    assert all(c.valid_to == LAST_DAY_OF_CLUSTERS for c in clusters)
    assert len(snap.area_municipalities) == 22
    covered = Counter(m for members in snap.area_municipalities.values() for m in members)
    assert set(covered) == all_munis  # every municipality in at least one cluster
    assert multi == {"101"}  # only København, whose data says Byen and Syd


def test_clusters_per_region_match_the_seeds(engine) -> None:
    with Session(engine) as s:
        per_region = {k: len(v) for k, v in snapshot(s, date(2026, 6, 1)).areas_by_region.items()}
    assert per_region == {"hovedstaden": 5, "sjaelland": 4, "syddanmark": 4,
                          "midtjylland": 5, "nordjylland": 4}


def test_2027_sundhedsraad_hold_every_municipality_exactly_once(engine) -> None:
    with Session(engine) as s:
        snap = snapshot(s, REFORM_DAY)
        disputed = s.exec(select(ClusterMembership).where(
            ClusterMembership.confidence == "disputed")).all()
        munis = {m.id: m.name for m in s.exec(select(Municipality))}
    assert len(snap.area_municipalities) == 17
    members = Counter(m for v in snap.area_municipalities.values() for m in v)
    assert set(members) == set(munis) and set(members.values()) == {1}
    assert sorted(munis[d.municipality_id] for d in disputed) == ["Billund", "Middelfart"]


def test_memberships_keep_their_source_and_confidence(engine) -> None:
    with Session(engine) as s:
        rows = s.exec(select(ClusterMembership)).all()
    assert rows and all(r.source for r in rows)
    assert {r.confidence for r in rows} == {"confirmed", "probable", "disputed"}


def test_rules_after_the_reform_are_marked_unconfirmed(engine) -> None:
    with Session(engine) as s:
        rules = s.exec(select(ApprovalRule)).all()
    assert {r.confirmed for r in rules if r.valid_from >= REFORM_DAY} == {False}
    assert {r.confirmed for r in rules if r.valid_from < REFORM_DAY} == {True}


def test_ssu_bodies_end_with_the_clusters(engine) -> None:
    with Session(engine) as s:
        ssu = s.exec(select(Body).where(Body.kind == "ssu")).all()
        councils = s.exec(select(Body).where(Body.kind == "kommunalbestyrelse")).all()
    assert len(ssu) == 5 and all(b.valid_to == LAST_DAY_OF_CLUSTERS for b in ssu)
    assert len(councils) == 98


def test_init_twice_changes_nothing(ctx, engine) -> None:
    before = dump(engine)
    report = load_master_data(ctx)
    assert not report.changed
    assert dump(engine) == before


def test_corrected_membership_file_is_loaded_without_a_release(ctx, engine, tmp_path) -> None:
    for name in files.FILES:
        (tmp_path / name).write_bytes((files.PACKAGE_DIR / name).read_bytes())
    areas = tmp_path / "areas.yaml"
    areas.write_text(areas.read_text(encoding="utf-8").replace(
        "confidence: disputed", "confidence: confirmed"), encoding="utf-8")
    report = load_master_data(ctx, tmp_path)
    assert (report.updated, report.created, report.ended) == (0, 2, 2)
    with Session(engine) as s:
        now_valid = s.exec(select(ClusterMembership).where(
            ClusterMembership.valid_from == REFORM_DAY,
            ClusterMembership.valid_to.is_(None))).all()  # type: ignore[union-attr]
        kept = s.exec(select(ClusterMembership).where(
            ClusterMembership.confidence == "disputed")).all()
    assert "disputed" not in {m.confidence for m in now_valid}
    # history is kept: the disputed rows end the day before they would have begun
    assert len(kept) == 2 and {m.valid_to for m in kept} == {LAST_DAY_OF_CLUSTERS}
