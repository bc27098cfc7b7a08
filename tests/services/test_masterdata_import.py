"""Importing a new master-data version: a preview that loads nothing, history kept, bad input
refused with file, line and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.model import AuditEvent, Cluster, ClusterMembership, Municipality
from aftaleflow.masterdata import files
from aftaleflow.masterdata.schema import MasterDataInvalid
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.structure.masterdata import snapshot
from aftaleflow.services.structure.masterdata_import import import_master_data
from tests.conftest import dump
from tests.factories import Spec, new_agreement

REFORM_DAY = date(2027, 1, 1)
MIDDELFART = """  - municipality: '410'
    name: Middelfart
    confidence: disputed
"""


def copy_of_the_data(tmp_path: Path) -> Path:
    for name in files.FILES:
        (tmp_path / name).write_bytes((files.PACKAGE_DIR / name).read_bytes())
    return tmp_path


def move_middelfart_to_fyn(directory: Path) -> None:
    """The disputed municipality moved to the other sundhedsråd, as a region would edit it."""
    path = directory / "areas.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(MIDDELFART)
    end = text.index("  - municipality:", start + 1)
    entry, text = text[start:end], text[:start] + text[end:]
    fyn = text.index("  members:\n", text.index("- key: sundhedsraad-fyn")) + len("  members:\n")
    path.write_text(text[:fyn] + entry + text[fyn:], encoding="utf-8")


def sources(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in files.FILES}


def edit(directory: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture
def cases_2027(ctx, clock):
    """Open cases in January 2027: local agreements in Lillebælt and Fyn, one in Midtjylland."""
    clock.set(date(2027, 1, 4))
    lillebaelt = new_agreement(ctx, Spec(cluster="sundhedsraad-lillebaelt",
                                         title="Faldforebyggelse i Lillebælt"))
    fyn = new_agreement(ctx, Spec(cluster="sundhedsraad-fyn", title="Akutteam på Fyn"))
    midt = new_agreement(ctx, Spec(region="midtjylland", cluster="sundhedsraad-aarhus",
                                   title="Genoptræning i Aarhus"))
    return lillebaelt, fyn, midt


def test_dry_run_of_a_moved_membership_lists_exactly_that_change_and_loads_nothing(
        ctx, engine, tmp_path, cases_2027) -> None:
    lillebaelt, fyn, _ = cases_2027
    move_middelfart_to_fyn(copy_of_the_data(tmp_path))
    before = dump(engine)
    report = import_master_data(ctx, sources(tmp_path), dry_run=True)
    assert dump(engine) == before
    assert sorted((c.action, c.what, c.label) for c in report.changes) == [
        ("added", "medlemskab", "Middelfart (410) i Sundhedsråd Fyn (omstridt)"),
        ("ended", "medlemskab", "Middelfart (410) i Sundhedsråd Lillebælt (omstridt)"),
    ]
    added = report.of("added")[0]
    assert (added.valid_from, added.valid_to) == (date(2027, 1, 4), None)
    assert "slutter 2027-01-03" in report.of("ended")[0].detail
    touched = {t.agreement_id: t for t in report.touched}
    assert sorted(touched) == [lillebaelt.id, fyn.id]  # not the Midtjylland case
    council = "Kommunalbestyrelsen, Middelfart Kommune"
    assert touched[lillebaelt.id].parties_removed == [council]
    assert touched[fyn.id].parties_added == [council]
    assert touched[fyn.id].on == date(2027, 1, 4)


def test_real_import_changes_exactly_the_moved_membership_and_keeps_its_history(
        ctx, engine, tmp_path, cases_2027) -> None:
    move_middelfart_to_fyn(copy_of_the_data(tmp_path))
    before = set(dump(engine))
    import_master_data(ctx, sources(tmp_path), dry_run=False)
    after = set(dump(engine))
    assert [t for t, _ in before - after] == ["cluster_membership"]  # the row that ends
    assert sorted(t for t, _ in after - before) == [
        "audit_event", "cluster_membership", "cluster_membership", "masterdata_load"]
    with Session(engine) as s:
        muni = s.exec(select(Municipality).where(Municipality.code == "410")).one()
        areas = {c.id: c.key for c in s.exec(select(Cluster))}
        rows = s.exec(select(ClusterMembership).where(
            ClusterMembership.municipality_id == muni.id,
            ClusterMembership.valid_from >= REFORM_DAY)).all()
        event = s.exec(select(AuditEvent).where(AuditEvent.entity == "stamdata")
                       .order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
        on_jan_3 = snapshot(s, date(2027, 1, 3)).area_municipalities
        on_jan_4 = snapshot(s, date(2027, 1, 4)).area_municipalities
    spans = sorted((areas[r.cluster_id], r.valid_from, r.valid_to) for r in rows)
    assert spans == [("sundhedsraad-fyn", date(2027, 1, 4), None),
                     ("sundhedsraad-lillebaelt", REFORM_DAY, date(2027, 1, 3))]
    assert muni.id in on_jan_3["sundhedsraad-lillebaelt"]  # what was valid stays valid
    assert muni.id in on_jan_4["sundhedsraad-fyn"]
    assert muni.id not in on_jan_4["sundhedsraad-lillebaelt"]
    assert event is not None and "Middelfart (410) i Sundhedsråd Fyn" in (event.comment or "")
    again = import_master_data(ctx, sources(tmp_path), dry_run=False)
    assert again.changes == [] and set(dump(engine)) == after


def test_import_of_the_shipped_files_changes_nothing(ctx, engine) -> None:
    before = dump(engine)
    report = import_master_data(ctx, sources(files.PACKAGE_DIR), dry_run=False)
    assert report.changes == [] and report.touched == []
    assert dump(engine) == before


def test_a_started_round_is_reported_as_touched(ctx, tmp_path, cases_2027) -> None:
    lillebaelt = cases_2027[0]
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        advance_agreement(ctx, lillebaelt.id, trigger)
    move_middelfart_to_fyn(copy_of_the_data(tmp_path))
    report = import_master_data(ctx, sources(tmp_path), dry_run=True)
    assert lillebaelt.id in {t.agreement_id for t in report.touched}


def refused(ctx, engine, directory: Path) -> str:
    before = dump(engine)
    with pytest.raises(MasterDataInvalid) as caught:
        import_master_data(ctx, sources(directory), dry_run=False)
    assert dump(engine) == before  # nothing loaded
    assert caught.value.exit_code == 2
    return caught.value.message


def line_of(directory: Path, name: str, needle: str, after: str = "") -> int:
    lines = (directory / name).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def test_a_bad_date_is_refused_with_file_line_and_field(ctx, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "regions.yaml", "\n  valid_from: '2027-01-01'", "\n  valid_from: '2027-13-01'")
    message = refused(ctx, engine, data)
    line = line_of(data, "regions.yaml", "2027-13-01")
    assert f"regions.yaml, linje {line}, felt 'regions.valid_from': ugyldig dato " \
           "'2027-13-01'" in message
    assert "intet er ændret" in message


def test_an_unquoted_bad_date_is_refused_the_same_way(ctx, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "approval_rules.yaml", "valid_to: '2026-12-31'", "valid_to: 2026-02-30")
    message = refused(ctx, engine, data)
    line = line_of(data, "approval_rules.yaml", "2026-02-30")
    assert f"approval_rules.yaml, linje {line}, felt 'rules.valid_to': ugyldig dato" in message


def test_a_municipality_in_two_sundhedsraad_on_the_same_day_is_refused(
        ctx, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    path = data / "areas.yaml"
    text = path.read_text(encoding="utf-8")
    fyn = text.index("  members:\n", text.index("- key: sundhedsraad-fyn")) + len("  members:\n")
    path.write_text(text[:fyn] + MIDDELFART + "    source: kopieret ved en fejl\n"
                    + text[fyn:], encoding="utf-8")
    message = refused(ctx, engine, data)
    assert "kommune 410 (Middelfart) er i både" in message
    assert "'sundhedsraad-fyn'" in message and "'sundhedsraad-lillebaelt'" in message
    assert "samme dag (2027-01-01)" in message


def test_a_syntax_error_names_the_file_and_line(ctx, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "bodies.yaml", "- key: rr-midtjylland", "- key: [rr-midtjylland")
    message = refused(ctx, engine, data)
    assert "bodies.yaml, linje" in message and "ikke gyldig YAML" in message


def test_an_unknown_field_and_an_unknown_municipality_are_both_named(
        ctx, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "approval_rules.yaml", "  confirmed: true", "  confirmd: true")
    message = refused(ctx, engine, data)
    assert "felt 'rules.confirmd': ukendt felt (stavefejl?)" in message
    assert "felt 'rules.confirmed': feltet mangler" in message
    data = copy_of_the_data(tmp_path)
    edit(data, "areas.yaml", "  - municipality: '657'", "  - municipality: '999'")
    line = line_of(data, "areas.yaml", "'999'")
    assert (f"areas.yaml, linje {line}, felt 'areas.members.municipality': ukendt "
            "kommunekode '999'") in refused(ctx, engine, data)


def test_an_unknown_successor_is_refused(ctx, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "regions.yaml", "  successors: [oestdanmark]\n", "  successors: [oestdanmak]\n")
    line = line_of(data, "regions.yaml", "oestdanmak]")
    assert (f"regions.yaml, linje {line}, felt 'regions.succession.successors': ukendt "
            "efterfølger 'oestdanmak'.") in refused(ctx, engine, data)


def test_a_successor_valid_before_its_predecessor_ends_is_refused(
        ctx, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "bodies.yaml", "  region: oestdanmark\n  valid_from: '2027-01-01'",
         "  region: oestdanmark\n  valid_from: '2026-07-01'")
    message = refused(ctx, engine, data)
    assert "efterfølgeren 'rr-oestdanmark' gælder fra 2026-07-01, før 'rr-hovedstaden' " \
           "ophører 2026-12-31." in message
    assert "bodies.yaml, linje" in message


def test_a_change_can_take_effect_on_a_later_day_but_never_in_the_past(
        ctx, engine, tmp_path, cases_2027) -> None:
    move_middelfart_to_fyn(copy_of_the_data(tmp_path))
    with pytest.raises(ValidationFailed, match="tidligst gælde fra i dag"):
        import_master_data(ctx, sources(tmp_path), dry_run=True, effective=date(2027, 1, 1))
    report = import_master_data(ctx, sources(tmp_path), dry_run=False,
                                effective=date(2027, 3, 1))
    assert report.of("added")[0].valid_from == date(2027, 3, 1)
    with Session(engine) as s:
        feb = snapshot(s, date(2027, 2, 28)).area_municipalities
        march = snapshot(s, date(2027, 3, 1)).area_municipalities
    assert len(feb["sundhedsraad-fyn"]) + 1 == len(march["sundhedsraad-fyn"])
    assert len(feb["sundhedsraad-lillebaelt"]) - 1 == len(march["sundhedsraad-lillebaelt"])
