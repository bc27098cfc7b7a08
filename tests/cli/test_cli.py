"""The `aftaleflow` command as users run it: real processes, real exit codes, Danish output."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Databases

PARTIES_MIDT = 20
PARTIES_SYD = 23


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aftaleflow", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def env_for(url: str, **extra: str) -> dict[str, str]:
    return dict(os.environ, AFTALEFLOW_DATABASE_URL=url, AFTALEFLOW_ACTOR="cli-test", **extra)


@pytest.fixture(scope="module")
def demo_env(databases: Databases) -> dict[str, str]:
    env = env_for(databases.create("cli_demo"))
    result = run(["demo"], env)
    assert result.returncode == 0, result.stderr
    assert "Statusmatrix" in result.stdout and "Revisionsspor" in result.stdout
    return env


def test_demo_on_a_fresh_clone_creates_the_sqlite_database(tmp_path) -> None:
    env = dict(os.environ, AFTALEFLOW_STATE_DIR=str(tmp_path))
    env.pop("AFTALEFLOW_DATABASE_URL", None)
    first = run(["demo"], env)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "aftaleflow.db").exists()
    again = run(["demo"], env)  # an existing database is moved aside, never deleted
    assert again.returncode == 0, again.stderr
    assert len(list(tmp_path.glob("aftaleflow.db.*.bak"))) == 1


def test_demo_database_passes_audit_verify(demo_env) -> None:
    result = run(["audit", "verify"], demo_env)
    assert result.returncode == 0, result.stderr
    assert "intakt" in result.stdout


def test_status_json_shows_both_agreements_with_every_party(demo_env) -> None:
    result = run(["status", "--json"], demo_env)
    assert result.returncode == 0, result.stderr
    agreements = json.loads(result.stdout)["agreements"]
    by_title = {a["title"]: a for a in agreements}
    midt = by_title["Udgående teams til ældre medicinske patienter"]
    syd = by_title["Den gode indlæggelse og udskrivelse"]
    assert len(midt["approvals"]) == PARTIES_MIDT and len(syd["approvals"]) == PARTIES_SYD
    assert {p["state"] for p in midt["approvals"]} == {"godkendt"}
    assert midt["state"] == "implementeret"
    assert syd["state"] == "genforhandling"
    assert {"godkendt", "afvist", "afventer"} == {p["state"] for p in syd["approvals"]}
    assert all(p["body"] and p["state_label"] for p in syd["approvals"])


def test_edited_audit_row_fails_verify_naming_the_event(demo_env, databases) -> None:
    url = databases.create("cli_tampered", template="cli_demo")
    tamper = "UPDATE audit_event SET actor = 'indtrænger' WHERE id = 42"
    if url.startswith("sqlite"):  # edited by hand with sqlite3, as an intruder would
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(tamper)
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(tamper))
        engine.dispose()
    result = run(["audit", "verify"], env_for(url))
    assert result.returncode != 0
    assert "hændelse #42" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_trigger_names_state_and_allowed_triggers_without_traceback(demo_env) -> None:
    result = run(["agreement", "advance", "2", "start_implementering"], demo_env)
    assert result.returncode == 5
    assert "Genforhandling" in result.stderr
    assert "send_til_ssu, tilbagetraek" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "code", "text"), [
    (["agreement", "show", "999"], 3, "findes ikke"),
    (["approval", "record", "2", "Herning", "godkendt"], 3, "ikke part"),
    (["approval", "record", "2", "Vejle", "måske"], 2, "Ukendt beslutning"),
    (["approval", "record", "2", "Vejle", "dagsorden", "--meeting-date", "2026-02-30"], 2,
     "Ugyldig dato"),
    (["agreement", "create", "--title", "X", "--region", "midtjylland", "--kle", "1.2.3",
      "--case-handler", "A"], 2, "KLE"),
])
def test_user_errors_exit_non_zero_with_a_danish_message(demo_env, args, code, text) -> None:
    result = run(args, demo_env)
    assert result.returncode == code, result.stderr
    assert text in result.stderr and "Traceback" not in result.stderr


def test_cli_walks_an_agreement_from_creation_to_approval_round(databases) -> None:
    env = env_for(databases.create("cli_walk"))
    env["AFTALEFLOW_ACTOR"] = "ane"
    assert run(["init"], env).returncode == 0
    again = run(["init"], env)
    assert "intet ændret" in again.stdout
    created = run(["agreement", "create", "--title", "Børn og unge i mistrivsel",
                   "--region", "syddanmark", "--kind", "lokal_aftale",
                   "--cluster", "Sundhedsklynge Lillebælt", "--kle", "29.30.08-P27-4-26",
                   "--case-handler", "Ane Holm", "--json"], env)
    assert created.returncode == 0, created.stderr
    view = json.loads(created.stdout)
    assert view["state"] == "under_udarbejdelse"
    assert run(["agreement", "advance", str(view["id"]), "send_til_ssu"], env).returncode == 0
    stale = run(["agreement", "advance", str(view["id"]), "indstil_til_godkendelse",
                 "--version", str(view["version"])], env)
    assert stale.returncode == 4 and "ændret af en anden" in stale.stderr
    moved = run(["agreement", "advance", str(view["id"]), "indstil_til_godkendelse"], env)
    assert "0 af 7 godkendt" in moved.stdout
    decided = run(["approval", "record", str(view["id"]), "Kolding", "godkendt",
                   "--meeting-date", "2026-05-20", "--comment", "Enstemmigt"], env)
    assert "1 af 7 godkendt" in decided.stdout
    shown = run(["agreement", "history", str(view["id"])], env)
    assert "ane" in shown.stdout and "Enstemmigt" in shown.stdout


def test_command_before_init_tells_the_user_to_run_init(databases) -> None:
    env = env_for(databases.create("cli_empty"))
    result = run(["agreement", "list"], env)
    assert result.returncode != 0
    assert "aftaleflow init" in result.stderr and "Traceback" not in result.stderr


def test_beslutning_on_an_agenda_item_shows_in_status(databases, tmp_path) -> None:
    env = env_for(databases.create("cli_meeting"), AFTALEFLOW_STATE_DIR=str(tmp_path),
                  AFTALEFLOW_TODAY="2026-03-02")
    assert run(["init"], env).returncode == 0
    created = json.loads(run(["agreement", "create", "--title", "Børn og unge i mistrivsel",
                              "--region", "syddanmark", "--kind", "lokal_aftale",
                              "--cluster", "sundhedsklynge-lillebaelt",
                              "--kle", "29.30.08-P27-4-26", "--case-handler", "Ane Holm",
                              "--json"], env).stdout)
    for trigger in ("send_til_ssu", "indstil_til_godkendelse"):
        assert run(["agreement", "advance", str(created["id"]), trigger], env).returncode == 0
    made = run(["meeting", "create", "--body", "kb-621", "--at", "2099-05-20T17:00",
                "--place", "Byrådssalen, Kolding"], env)
    assert made.returncode == 0, made.stderr
    added = run(["meeting", "add-item", "1", "--agreement", str(created["id"]),
                 "--account", "Aftalen *styrker* indsatsen."], env)
    assert "Punkt 1 tilføjet" in added.stdout, added.stderr
    decided = run(["meeting", "decide", "1", "Indstillingen blev godkendt.",
                   "--decision", "godkendt"], env)
    assert decided.returncode == 0, decided.stderr
    status = json.loads(run(["status", "--json"], env).stdout)["agreements"][0]
    kolding = next(p for p in status["approvals"] if "Kolding" in p["body"])
    assert kolding["state"] == "godkendt" and kolding["protocol_ref"].endswith("pkt. 1")
    pdf = tmp_path / "dagsorden.pdf"
    rendered = run(["render", "agenda", "1", "-o", str(pdf)], env)
    assert rendered.returncode == 0, rendered.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_search_and_export_on_the_demo_database(demo_env, tmp_path) -> None:
    found = run(["search", "udskrivelse"], demo_env)
    assert found.returncode == 0, found.stderr
    assert "Den gode indlæggelse og udskrivelse" in found.stdout
    assert "Børn og unge i mistrivsel" in run(["search", "børn"], demo_env).stdout
    target = tmp_path / "status.xlsx"
    exported = run(["export", "matrix", "--format", "xlsx", "-o", str(target)], demo_env)
    assert exported.returncode == 0, exported.stderr
    from openpyxl import load_workbook

    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert len(rows) == 4 and "Udgående teams til ældre medicinske patienter" in rows[1]


# Not listed: psycopg (PostgreSQL's driver) and yaml (the deadline rule shown is read from
# masterdata/deadlines.yaml).
HEAVY_FOR_A_READ = {"prefect", "weasyprint", "fastapi", "uvicorn", "alembic", "jinja2",
                    "openpyxl", "holidays", "babel", "httpx"}


def imported_packages(args: list[str], env: dict[str, str]) -> tuple[str, set[str]]:
    """Run the command with `python -X importtime`; its output and the top-level packages."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "aftaleflow", *args],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip().split(".")[0]
             for line in done.stderr.splitlines() if line.startswith("import time:")}
    return done.stdout, names


def test_agreement_show_imports_only_what_a_read_needs(demo_env) -> None:
    stdout, packages = imported_packages(["agreement", "show", "1"], demo_env)
    assert "Samarbejdsaftale #1" in stdout
    assert "sqlalchemy" in packages  # the floor: SQLAlchemy Core (Typer brings pydantic)
    assert "sqlmodel" not in packages  # the read model reads plain rows, no ORM classes
    assert packages & HEAVY_FOR_A_READ == set()


def test_agreement_show_builds_only_the_tables_and_the_command_it_reads(demo_env) -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "aftaleflow", "agreement",
                           "show", "1"], env=demo_env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:")}
    assert "aftaleflow.domain.tables" in modules  # Core clauses of the tables it reads
    assert modules & {"aftaleflow.domain.model", "sqlalchemy.orm", "sqlmodel",
                      "aftaleflow.services.uow", "aftaleflow.services.agreements.cases",
                      "aftaleflow.domain.meetings", "aftaleflow.domain.outbox",
                      "aftaleflow.domain.texts", "aftaleflow.domain.search",
                      "aftaleflow.services.agreements.lifecycle"} == set()
    group = run(["agreement", "--help"], demo_env)
    for command in ("create", "list", "show", "history", "advance", "texts", "revise", "diff",
                    "publish"):
        assert f"  {command} " in group.stdout, command
    typo = run(["agreement", "shw", "1"], demo_env)
    assert typo.returncode == 2 and "show" in typo.stderr


def test_help_imports_neither_the_database_layer_nor_the_services(demo_env) -> None:
    stdout, packages = imported_packages(["--help"], demo_env)
    assert "agreement" in stdout and "status" in stdout and "db" in stdout
    assert packages & ({"sqlalchemy", "sqlmodel", "pydantic"} | HEAVY_FOR_A_READ) == set()


def test_single_command_runs_as_a_subcommand_when_only_it_is_built(demo_env) -> None:
    result = run(["status", "--region", "syddanmark"], demo_env)
    assert result.returncode == 0, result.stderr
    assert "Region Syddanmark" in result.stdout
    typo = run(["statuss"], demo_env)
    assert typo.returncode == 2 and "status" in typo.stderr


def test_demo_request_letter_made_holstebros_draft_listed_per_party(demo_env) -> None:
    listed = run(["render", "drafts", "1"], demo_env)
    assert listed.returncode == 0, listed.stderr
    assert "Holstebro" in listed.stdout and " docx " in listed.stdout
    assert " pdf " in listed.stdout
