"""POST /masterdata/import: the administrator's preview and import over HTTP."""

from __future__ import annotations

from pathlib import Path

from aftaleflow.masterdata import files
from tests.api.conftest import auth
from tests.conftest import dump
from tests.services.test_masterdata_import import (
    copy_of_the_data,
    edit,
    line_of,
    move_middelfart_to_fyn,
)


def payload(directory: Path, dry_run: bool) -> dict[str, object]:
    return {"files": {name: (directory / name).read_text(encoding="utf-8")
                      for name in files.FILES}, "dry_run": dry_run}


def test_preview_then_import_of_a_moved_membership(client, world, engine, tmp_path) -> None:
    move_middelfart_to_fyn(copy_of_the_data(tmp_path))
    headers = auth(world.tokens["admin"])
    before = dump(engine)
    preview = client.post("/masterdata/import", json=payload(tmp_path, True), headers=headers)
    assert preview.status_code == 200, preview.text
    assert dump(engine) == before
    changes = {(c["action"], c["label"]) for c in preview.json()["changes"]}
    assert changes == {("added", "Middelfart (410) i Sundhedsråd Fyn (omstridt)"),
                       ("ended", "Middelfart (410) i Sundhedsråd Lillebælt (omstridt)")}
    loaded = client.post("/masterdata/import", json=payload(tmp_path, False), headers=headers)
    assert loaded.status_code == 200 and loaded.json()["dry_run"] is False
    assert dump(engine) != before
    again = client.post("/masterdata/import", json=payload(tmp_path, False), headers=headers)
    assert again.json()["changes"] == []


def test_a_broken_file_is_a_problem_with_file_and_line(client, world, engine, tmp_path) -> None:
    data = copy_of_the_data(tmp_path)
    edit(data, "bodies.yaml", "valid_from: '2007-01-01'", "valid_from: '2007-02-30'")
    before = dump(engine)
    response = client.post("/masterdata/import", json=payload(data, False),
                           headers=auth(world.tokens["admin"]))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    line = line_of(data, "bodies.yaml", "2007-02-30")
    assert f"bodies.yaml, linje {line}, felt 'bodies.valid_from': ugyldig dato '2007-02-30'" \
        in response.json()["detail"]
    assert dump(engine) == before


def test_a_missing_file_is_named(client, world) -> None:
    body = payload(files.PACKAGE_DIR, True)
    del body["files"]["areas.yaml"]  # type: ignore[attr-defined]
    response = client.post("/masterdata/import", json=body, headers=auth(world.tokens["admin"]))
    assert response.status_code == 422 and "areas.yaml: filen mangler" in response.json()["detail"]


def test_several_faults_are_all_named_in_one_problem(client, world, engine, tmp_path) -> None:
    from tests.services.test_masterdata_every_problem import several_faults

    expected = several_faults(tmp_path)
    before = dump(engine)
    response = client.post("/masterdata/import", json=payload(tmp_path, True),
                           headers=auth(world.tokens["admin"]))
    assert response.status_code == 422
    for text in expected.values():
        assert text in response.json()["detail"]
    assert dump(engine) == before
