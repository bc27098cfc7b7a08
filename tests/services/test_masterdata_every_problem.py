"""A master-data import with several faults names every one in one run (issue 20, rule 8):
an unreadable file, field problems in others and cross-file problems together."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from aftaleflow.masterdata.schema import MasterDataInvalid
from aftaleflow.services.structure.masterdata_import import import_master_data
from tests.conftest import dump
from tests.services.test_masterdata_import import copy_of_the_data, edit, line_of, sources


def several_faults(directory: Path) -> dict[str, str]:
    """Four faults of four kinds in four files; returns the text each must be named with."""
    data = copy_of_the_data(directory)
    edit(data, "regions.yaml", "\n  valid_from: '2027-01-01'", "\n  valid_from: '2027-13-01'")
    edit(data, "bodies.yaml", "- key: rr-midtjylland", "- key: [rr-midtjylland")
    edit(data, "approval_rules.yaml", "  confirmed: true", "  confirmd: true")
    edit(data, "areas.yaml", "  - municipality: '657'", "  - municipality: '999'")
    return {
        "date": f"regions.yaml, linje {line_of(data, 'regions.yaml', '2027-13-01')}, felt "
                "'regions.valid_from': ugyldig dato '2027-13-01'",
        "yaml": "bodies.yaml, linje",
        "field": "felt 'rules.confirmd': ukendt felt (stavefejl?)",
        "reference": f"areas.yaml, linje {line_of(data, 'areas.yaml', chr(39) + '999')}, felt "
                     "'areas.members.municipality': ukendt kommunekode '999'",
    }


def test_every_fault_is_named_in_one_run(ctx, engine, tmp_path) -> None:
    expected = several_faults(tmp_path)
    before = dump(engine)
    with pytest.raises(MasterDataInvalid) as caught:
        import_master_data(ctx, sources(tmp_path), dry_run=True, effective=date(2026, 1, 1))
    message = caught.value.message
    for text in expected.values():
        assert text in message
    assert "ikke gyldig YAML" in message
    assert "tidligst gælde fra i dag" in message  # the day given is named in the same run
    assert dump(engine) == before


def test_a_reference_to_a_row_with_its_own_problem_is_not_named_twice(
        ctx, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    # Region Østdanmark's own row has a bad date: its successors and members stay unreported.
    edit(data, "regions.yaml", "  code: null\n  valid_from: '2027-01-01'",
         "  code: null\n  valid_from: '2027-01-32'")
    with pytest.raises(MasterDataInvalid) as caught:
        import_master_data(ctx, sources(tmp_path), dry_run=True)
    assert len(caught.value.problems) == 1
    assert "ugyldig dato '2027-01-32'" in caught.value.problems[0]
