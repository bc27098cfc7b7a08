"""One text check for every way in: bidi overrides and invisible characters are refused."""

from __future__ import annotations

import pytest

from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.validation import clean_text
from tests.api.conftest import auth
from tests.cli.test_cli import env_for, run
from tests.conftest import dump
from tests.web.conftest import csrf_of, log_in

RLO = "\u202e"
HIDDEN = ["\u202e", "\u202d", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c",
          "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\x00", "\x1b", "\x7f", "\x85",
          "\ue000"]


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
@pytest.mark.parametrize("single_line", [True, False])
def test_bidi_and_invisible_characters_are_refused_with_a_danish_message(
        char: str, single_line: bool) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_text(f"Udgående{char}teams", "titel", single_line=single_line)
    assert f"U+{ord(char):04X}" in refused.value.message
    assert "ikke er tilladt" in refused.value.message


def test_a_single_line_field_refuses_line_breaks_and_multi_line_text_keeps_them() -> None:
    for brk in ("\n", "\u2028", "\t"):
        with pytest.raises(ValidationFailed):
            clean_text(f"a{brk}b", "titel", single_line=True)
    assert clean_text("Punkt 1\r\nPunkt 2\n\tdetalje", "beskrivelse") == \
        "Punkt 1\nPunkt 2\n\tdetalje"
    assert clean_text("Æblegrød på Ærø – «citat» ’x’ 😀", "titel", single_line=True)


def test_api_refuses_a_title_with_a_right_to_left_override(client, world, engine) -> None:
    before = dump(engine)
    response = client.post("/agreements", headers=auth(world.tokens["sagsbehandler"]), json={
        "title": f"Udgående {RLO}smaet", "kind": "regional_samarbejdsaftale",
        "origin": "ssu_bestilling", "region": "midtjylland",
        "kle_number": "29.30.08-P27-9-26", "case_handler": "Ane Holm"})
    assert response.status_code == 422, response.text
    assert "U+202E" in response.json()["detail"]
    assert dump(engine) == before


def test_cli_refuses_a_title_with_a_right_to_left_override(db_url, engine) -> None:
    before = dump(engine)
    result = run(["agreement", "create", "--title", f"Udgående {RLO}smaet", "--region",
                  "midtjylland", "--kle", "29.30.08-P27-9-26", "--case-handler", "Ane Holm"],
                 env_for(db_url))
    assert result.returncode == 2, result.stderr
    assert "U+202E" in result.stderr and "Traceback" not in result.stderr
    assert dump(engine) == before


def test_dashboard_refuses_an_agenda_item_title_with_a_zero_width_space(
        web, demo_world, demo_engine) -> None:
    log_in(web, demo_world.tokens["udvalgssekretaer"])
    url = f"/ui/moeder/{demo_world.meeting}"
    before = dump(demo_engine)
    response = web.post(f"{url}/punkter", data={"csrf": csrf_of(web, url),
                                               "title": "Meddelelser\u200b"})
    assert response.status_code == 200
    assert "U+200B" in response.text
    assert dump(demo_engine) == before


def test_master_data_import_refuses_a_name_with_a_right_to_left_override(
        ctx, engine, tmp_path) -> None:
    import shutil

    from aftaleflow.masterdata import files
    from aftaleflow.services.structure.masterdata import load_master_data

    data = tmp_path / "stamdata"
    shutil.copytree(files.PACKAGE_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    bodies = data / "bodies.yaml"
    text = bodies.read_text(encoding="utf-8")
    assert "name: Kommunalbestyrelsen, Herning Kommune" in text
    bodies.write_text(text.replace("name: Kommunalbestyrelsen, Herning Kommune",
                                   f"name: Kommunalbestyrelsen, {RLO}gninreH Kommune"),
                      encoding="utf-8")
    before = dump(engine)
    with pytest.raises(ValidationFailed, match=r"organnavn.*U\+202E"):
        load_master_data(ctx, data)
    assert dump(engine) == before
