"""Seed 004 (Forebyggelsesudvalget, 30 August 2021, item 18) rebuilt through the CLI alone.

Everything comes from the item's own fields as a clerk types them: the committee is added as
a body, the meeting has no time, the item has its own number, Sagsnr. and Sagsbehandler,
informs about an agreement that has no approval round, and carries its bilag as a PDF file.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from tests.cli.test_cli import env_for, run
from tests.documents.pdftext import full_text, page_texts

SEED = Path("/work/shared/seeds")
TITLE = "Aftale om sammenhæng og nærhed (sundhedsklynge)"
KLE = "29.30.08-P27-1-21"
HANDLER = "Ellen Bagge Grimstrup"
ROUTE = ["DIR", "FOU", "BFU", "SOS", "BSK", "KFU", "BYP", "TMU", "ØKE", "BYR"]
COMMITTEES = [("dir-657", "direktion", "Direktionen", "DIR"),
              ("fou-657", "fagudvalg", "Forebyggelsesudvalget", "FOU"),
              ("bfu-657", "fagudvalg", "Børne- og Familieudvalget", "BFU")]
SUMMARY = (
    "Regeringen, Danske Regioner og KL har indgået en aftale om sammenhæng og nærhed "
    "(sundhedsklynger) som et led i en samlet sundhedsaftale.\n\n"
    "En samlet sundhedsaftale forventes at foreligge i 2. halvår 2021.\n")
ACCOUNT = (
    "Den demografiske udvikling betyder, at der kommer flere ældre og flere patienter med "
    "kroniske lidelser. Denne udvikling vil give sundhedsvæsenet betydelige udfordringer.\n\n"
    "I sundhedsklyngerne skal der være både politiske og faglige/strategiske niveauer:\n\n"
    "  • For ”Sundhedsklynge Gødstrup” vil det formentlig være Herning, Holstebro, "
    "Ikast-Brande, Lemvig,\n    Ringkøbing-Skjern og Struer kommuner.\n"
    "  • I det faglige/strategiske niveau vil der være tre repræsentanter fra regionen.\n")
HEADINGS = ["Udvalg:", "Mødedato:", "Mødested:", "Dagsordenpunkter", f"18. {TITLE}",
            "Sagsnr.:", "Sagsbehandler:", "Øvrige sagsbehandlere:", "Sagsresume",
            "Sagsfremstilling", "Indstilling", "Beslutning", "Bilag"]
BILAG = "aftaletekst-vedr-sundhedsklynger-11-juni-2021"


def bilag_pdf(path: Path, pages: int) -> Path:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def ok(args: list[str], env: dict[str, str]) -> str:
    result = run(args, env)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def seed_004(databases, tmp_path_factory) -> tuple[dict[str, str], Path]:
    """The committee, the meeting and item 18, made with the commands a clerk would use."""
    tmp = tmp_path_factory.mktemp("seed004")
    env = env_for(databases.create("cli_seed004"), AFTALEFLOW_STATE_DIR=str(tmp),
                  AFTALEFLOW_TODAY="2021-08-16")
    ok(["init"], env)
    for key, kind, name, short in COMMITTEES:
        ok(["body", "add", key, "--name", name, "--short", short, "--kind", kind,
            "--municipality", "Herning", "--valid-from", "2018-01-01"], env)
    # The approval rules begin 1 July 2022, so the case is registered under them; it never
    # gets a round: the item only informs about it.
    ok(["agreement", "create", "--title", TITLE, "--region", "midtjylland", "--kle", KLE,
        "--case-handler", HANDLER], {**env, "AFTALEFLOW_TODAY": "2022-07-01"})
    assert "30.08.2021" in ok(["meeting", "create", "--body", "fou-657", "--at", "2021-08-30",
                              "--place", "B1.01"], env)
    (tmp / "resume.txt").write_text(SUMMARY, encoding="utf-8")
    (tmp / "fremstilling.txt").write_text(ACCOUNT, encoding="utf-8")
    added = ok(["meeting", "add-item", "1", "--agreement", "1", "--number", "18",
                "--case-number", KLE, "--case-handler", HANDLER,
                "--summary-file", str(tmp / "resume.txt"),
                "--account-file", str(tmp / "fremstilling.txt"),
                "--recommender", "Direktøren for Social, Sundhed og Beskæftigelse",
                "--recommendation", "at orienteringen tages til efterretning.",
                "--route", ",".join(ROUTE), "--current", "FOU",
                "--attachment-file", str(bilag_pdf(tmp / f"{BILAG}.pdf", 2))], env)
    assert "Punkt 18 tilføjet" in added
    ok(["meeting", "decide", "1", "Orienteringen blev taget til efterretning."], env)
    return env, tmp


@pytest.fixture(scope="module")
def item_pdf(seed_004) -> bytes:
    env, tmp = seed_004
    ok(["render", "agenda-item", "1", "-o", str(tmp / "punkt.pdf")], env)
    return (tmp / "punkt.pdf").read_bytes()


def test_seed_004_item_has_every_heading_in_order_with_its_own_fields(item_pdf) -> None:
    text = full_text(item_pdf)
    positions = [text.find(heading) for heading in HEADINGS]
    assert -1 not in positions, dict(zip(HEADINGS, positions, strict=True))
    assert positions == sorted(positions)
    assert "Udvalg: Forebyggelsesudvalget" in text
    assert "Mødedato: 30. august 2021" in text
    assert "Mødetidspunkt" not in text  # the meeting was given without a time
    assert "Mødested: B1.01" in text
    assert f"Sagsnr.: {KLE}" in text and f"Sagsbehandler: {HANDLER}" in text
    assert "Direktøren for Social, Sundhed og Beskæftigelse indstiller, at orienteringen " \
           "tages til efterretning." in text
    assert "Orienteringen blev taget til efterretning." in text


def test_seed_004_route_shows_the_full_name_of_the_current_body(item_pdf) -> None:
    text = full_text(item_pdf)
    assert " ".join(ROUTE) in text
    assert "Behandles nu i: Forebyggelsesudvalget (FOU)" in text
    assert "(FOU) (FOU)" not in text and "FOU (FOU)" not in text


def test_seed_004_line_breaks_are_kept_as_in_the_source_text(item_pdf) -> None:
    raw = "\n".join(page_texts(item_pdf))
    assert re.search(r"Ikast-Brande, Lemvig,\n\s*Ringkøbing-Skjern", raw), raw


def test_seed_004_bilag_pdf_is_appended_and_listed_with_its_pages(item_pdf) -> None:
    pages = page_texts(item_pdf)
    item_pages = len(pages) - 2
    assert f"{BILAG}, side {item_pages + 1}\u2013{item_pages + 2}" in full_text(item_pdf)


def test_public_dagsorden_is_tagged_and_still_pdf_a(seed_004) -> None:
    env, tmp = seed_004
    ok(["render", "agenda", "1", "--public", "-o", str(tmp / "offentlig.pdf")], env)
    data = (tmp / "offentlig.pdf").read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert len(pdf.Root.StructTreeRoot.get("/K", [])) > 0
        assert bool(pdf.Root.MarkInfo.Marked)
        assert str(pdf.Root.Lang) == "da"
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "A"
        assert "/OutputIntents" in pdf.Root
    text = full_text(data)
    assert "Udvalg: Forebyggelsesudvalget" in text and "18. " + TITLE in text
    total = len(page_texts(data))
    assert f"{BILAG}, side {total - 1}\u2013{total}" in text  # appended to the agenda too


def test_an_item_number_already_taken_is_refused_in_danish(seed_004) -> None:
    env, _tmp = seed_004
    result = run(["meeting", "add-item", "1", "--title", "Meddelelser", "--number", "18"], env)
    assert result.returncode == 4
    assert "har allerede et punkt 18" in result.stderr and "Traceback" not in result.stderr


def test_a_bilag_that_is_not_a_pdf_is_refused_and_nothing_is_added(seed_004) -> None:
    env, tmp = seed_004
    fake = tmp / "notat.pdf"
    fake.write_text("ikke en pdf", encoding="utf-8")
    result = run(["meeting", "add-item", "1", "--title", "Notat", "--attachment-file",
                  str(fake)], env)
    assert result.returncode == 2 and "ikke en PDF-fil" in result.stderr
    assert "Notat" not in ok(["meeting", "show", "1"], env)
