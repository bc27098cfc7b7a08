"""One matrix cell (issue 20, rule 2): the state with its date, the deadline and the certainty
mark with its source, worded once (`services/reading/cells.py`) and shown identically by
`aftaleflow status`, `status --json`, `aftaleflow export` (CSV, XLSX), `GET /status`,
`GET /exports/matrix` (CSV, XLSX, JSON) and the dashboard's matrix and its downloads."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html.parser import HTMLParser

from openpyxl import load_workbook

from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement
from tests.api.conftest import auth
from tests.cli.test_cli import env_for, run
from tests.factories import Spec, new_agreement
from tests.web.conftest import log_in

ROUND_START = date(2027, 2, 1)
LOOKED_AT = date(2027, 3, 25)  # after the councils' 30 business days, before the region's 45
MIDDELFART = "Kommunalbestyrelsen, Middelfart Kommune"
KOLDING = "Kommunalbestyrelsen, Kolding Kommune"
REGION = "Regionsrådet, Region Syddanmark"


def _case(ctx, clock) -> int:  # type: ignore[no-untyped-def]
    """A 2027 local agreement in Sundhedsråd Lillebælt: every party foreløbig (the rule is
    unconfirmed), Middelfart omstridt (its membership is disputed); Kolding decides."""
    clock.set(ROUND_START)
    agreement = new_agreement(ctx, Spec(cluster="sundhedsraad-lillebaelt",
                                        title="Faldforebyggelse"))
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        advance_agreement(ctx, agreement.id, trigger)
    record_decision(ctx, agreement.id, Decision(party="Kolding", decision="godkendt",
                                                meeting_date=date(2027, 3, 10)))
    clock.set(LOOKED_AT)
    return agreement.id


def _expected(ctx, agreement: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    cells = {p.body: p.cell for p in get_agreement(ctx, agreement).approvals}
    middelfart, kolding, region = cells[MIDDELFART], cells[KOLDING], cells[REGION]
    assert middelfart.startswith("Afventer · over fristen ")
    assert " · omstridt: medlemskab: det offentlige datasæts kommuneliste" in middelfart
    assert "godkendelsesreglen er ikke bekræftet" in middelfart
    assert kolding.startswith("Godkendt 10.03.2027 · foreløbig: medlemskab: offentligt datasæt")
    assert region.startswith("Afventer · frist ") and "over fristen" not in region
    assert " · foreløbig: godkendelsesreglen er ikke bekræftet: " in region
    return cells


def _from_csv(data: bytes, agreement: int) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    return _by_party(rows, agreement)


def _from_xlsx(data: bytes, agreement: int) -> dict[str, str]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = [["" if c is None else str(c) for c in r] for r in sheet.iter_rows(values_only=True)]
    return _by_party(rows, agreement)


def _by_party(rows: list[list[str]], agreement: int) -> dict[str, str]:
    row = next(r for r in rows[1:] if r[0] == str(agreement))
    return {name: text for name, text in zip(rows[0][5:], row[5:], strict=True) if text}


def _from_json(agreements: list[dict], agreement: int) -> dict[str, str]:  # type: ignore[type-arg]
    found = next(a for a in agreements if a["id"] == agreement)
    return {p["body"]: p["cell"] for p in found["approvals"]}


def _from_status_text(text: str, agreement: int, bodies: list[str]) -> dict[str, str]:
    block = text.split(f"  #{agreement}: ", 1)[1].split("\n  #", 1)[0].split("\n\n", 1)[0]
    lines = block.splitlines()
    return {body: next(line for line in lines if line.startswith(f"    {body} ")
                       ).removeprefix(f"    {body} ").strip() for body in bodies}


class _Row(HTMLParser):
    """The text content of each cell in the matrix row of one agreement."""

    def __init__(self, agreement: int) -> None:
        super().__init__()
        self.marker, self.in_row, self.depth = f"/ui/aftaler/{agreement}", False, 0
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("href") == self.marker:
            self.in_row = True
        elif tag == "tr":
            self.in_row = False
        elif tag == "td" and self.in_row:
            self.cells.append("")
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.depth = 0

    def handle_data(self, data: str) -> None:
        if self.in_row and self.depth and self.cells:
            self.cells[-1] += data


def test_one_cell_reads_the_same_in_every_adapter(client, world, ctx, clock, db_url,
                                                  tmp_path) -> None:
    agreement = _case(ctx, clock)
    expected = _expected(ctx, agreement)
    h = auth(world.tokens["leder"])

    env = env_for(db_url, AFTALEFLOW_TODAY=LOOKED_AT.isoformat())
    text = run(["status", "--region", "syddanmark"], env)
    assert text.returncode == 0, text.stderr
    assert _from_status_text(text.stdout, agreement, list(expected)) == expected
    as_json = json.loads(run(["status", "--json"], env).stdout)["agreements"]
    assert _from_json(as_json, agreement) == expected

    assert _from_json(client.get("/status", headers=h).json()["agreements"],
                      agreement) == expected
    exported = json.loads(client.get("/exports/matrix?format=json", headers=h).content)
    assert _from_json(exported["agreements"], agreement) == expected
    assert _from_csv(client.get("/exports/matrix?format=csv", headers=h).content,
                     agreement) == expected
    assert _from_xlsx(client.get("/exports/matrix?format=xlsx", headers=h).content,
                      agreement) == expected

    for fmt, read in (("csv", _from_csv), ("xlsx", _from_xlsx)):
        path = tmp_path / f"matrix.{fmt}"
        done = run(["export", "matrix", "--format", fmt, "-o", str(path)], env)
        assert done.returncode == 0, done.stderr
        assert read(path.read_bytes(), agreement) == expected

    log_in(client, world.tokens["leder"])
    for fmt, read in (("csv", _from_csv), ("xlsx", _from_xlsx)):
        assert read(client.get(f"/ui/matrix.{fmt}?region=syddanmark").content,
                    agreement) == expected
    row = _Row(agreement)
    row.feed(client.get("/ui/matrix?region=syddanmark&pr_side=250").text)
    assert sorted(c for c in row.cells if c) == sorted(expected.values())


def test_a_body_that_is_not_a_party_has_an_empty_cell_in_the_exports(client, world, ctx,
                                                                     clock) -> None:
    """Not "-" (which the CSV guard against formulas turned into "'-")."""
    _case(ctx, clock)
    h = auth(world.tokens["leder"])
    text = client.get("/exports/matrix?format=csv", headers=h).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert all(cell not in ("-", "'-") for row in rows for cell in row)
    assert any(cell == "" for row in rows[1:] for cell in row[5:])


ENGLISH = {"the", "of", "and", "page", "says", "above", "from", "minus", "remaining",
           "disputed", "catchment", "catchments", "members", "municipalities", "lists"}


def test_the_sources_a_mark_shows_are_danish() -> None:
    """The shipped memberships and rules that can mark a party give their source in Danish
    (the README: "with the source (in Danish, as the master data states it)")."""
    import re

    import yaml

    from aftaleflow.masterdata import files

    areas = yaml.safe_load((files.PACKAGE_DIR / "areas.yaml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((files.PACKAGE_DIR / "approval_rules.yaml").read_text(
        encoding="utf-8"))
    sources = [m["source"] for a in areas["areas"] for m in a["members"]
               if m["confidence"] != "confirmed"]
    sources += [r["source"] for r in rules["rules"] if not r["confirmed"]]
    assert sources
    for source in sources:
        words = set(re.findall(r"[a-zæøå]+", source.lower()))
        assert not words & ENGLISH, source
