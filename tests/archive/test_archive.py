"""The archive package of a finished demo case: BagIt-valid, verifiable, tamper-evident,
byte-identical on every run, and the same over the CLI and the API."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from aftaleflow.api.app import create_app
from aftaleflow.archive.verify import verify_package
from aftaleflow.db import make_engine
from aftaleflow.domain.meetings import StoredDocument
from aftaleflow.services.access.users import create_user
from aftaleflow.services.uow import ServiceContext
from tests.api.conftest import auth
from tests.cli.test_cli import env_for, run
from tests.conftest import Databases
from tests.factories import MovableClock

FINISHED = 1  # the demo's Midtjylland agreement: approved by all 20 parties, implemented


@pytest.fixture(scope="module")
def demo(databases: Databases) -> dict[str, str]:
    env = env_for(databases.create("archive_demo"))
    result = run(["demo"], env)
    assert result.returncode == 0, result.stderr
    return env


@pytest.fixture(scope="module")
def package(demo, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("archive") / "sag-1.zip"
    result = run(["archive", str(FINISHED), "-o", str(target)], demo)
    assert result.returncode == 0, result.stderr
    assert "Arkivpakke skrevet" in result.stdout
    return target


def _unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return into / "sag-1"


def _rewritten(source: Path, target: Path, member: str, position: int) -> Path:
    """The same package with one byte of one member changed (the zip itself stays valid)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = bytearray(old.read(info))
            if info.filename == member:
                data[position] ^= 0x01
            new.writestr(info, bytes(data))
    return target


def test_finished_demo_case_validates_with_bagits_own_validator(package, tmp_path) -> None:
    bag_dir = _unzip(package, tmp_path)
    result = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(bag_dir)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stderr


def test_finished_demo_case_passes_archive_verify(package, demo) -> None:
    result = run(["archive", "verify", str(package)], demo)
    assert result.returncode == 0, result.stderr
    assert "Arkivpakken er gyldig" in result.stdout


def test_two_runs_and_the_api_give_the_same_bytes(package, demo, tmp_path) -> None:
    again = tmp_path / "igen.zip"
    assert run(["archive", str(FINISHED), "-o", str(again)], demo).returncode == 0
    first = hashlib.sha256(package.read_bytes()).hexdigest()
    assert hashlib.sha256(again.read_bytes()).hexdigest() == first
    engine = make_engine(demo["AFTALEFLOW_DATABASE_URL"])
    try:
        ctx = ServiceContext(engine=engine, actor="test", clock=MovableClock())
        _user, token = create_user(ctx, "Arkivar", "leder")
        client = TestClient(create_app(engine, MovableClock()))
        response = client.get(f"/agreements/{FINISHED}/archive", headers=auth(token))
    finally:
        engine.dispose()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["etag"] == f'"{first}"'
    assert hashlib.sha256(response.content).hexdigest() == first


def test_package_holds_every_document_the_audit_trail_approvals_and_texts(package, demo,
                                                                          tmp_path) -> None:
    bag_dir = _unzip(package, tmp_path)
    engine = make_engine(demo["AFTALEFLOW_DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(select(StoredDocument.sha256).where(
            StoredDocument.agreement_id == FINISHED)).scalars().all()
    engine.dispose()
    inside = {hashlib.sha256(p.read_bytes()).hexdigest()
              for p in (bag_dir / "data" / "dokumenter").iterdir()}
    assert stored and inside == set(stored)
    trail = json.loads((bag_dir / "data" / "revisionsspor.json").read_text())
    assert trail["kontrol"]["status"] == "intakt"
    assert all(len(e["hash"]) == 64 and len(e["prev_hash"]) == 64 for e in trail["haendelser"])
    rounds = json.loads((bag_dir / "data" / "godkendelser.json").read_text())["runder"]
    assert len(rounds[0]["godkendelser"]) == 20
    assert all(a["moededato"] and a["protokolhenvisning"] for a in rounds[0]["godkendelser"])
    texts = json.loads((bag_dir / "data" / "tekstversioner.json").read_text())
    assert texts["tekstversioner"][0]["runde"] == 1
    manifest = (bag_dir / "manifest-sha256.txt").read_text()
    index = (bag_dir / "data" / "indeks.pdf").read_bytes()
    with pikepdf.open(io.BytesIO(index)) as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "3" and str(pdf.Root.Lang) == "da"
    from tests.documents.pdftext import full_text

    listed = full_text(index).replace(" ", "")
    for line in manifest.splitlines():
        digest, name = line.split(maxsplit=1)
        if name != "data/indeks.pdf":
            assert digest in listed, name


def test_editing_any_file_inside_makes_verify_fail_naming_it(package, tmp_path) -> None:
    with zipfile.ZipFile(package) as archive:
        members = [(i.filename, i.file_size) for i in archive.infolist()]
    for member, size in members:
        for position in sorted({0, size // 2, size - 1}):
            changed = _rewritten(package, tmp_path / "redigeret.zip", member, position)
            report = verify_package(changed)
            assert not report.ok, (member, position)
            assert report.problems, (member, position)


def test_a_changed_payload_file_is_named_in_danish(package, demo, tmp_path) -> None:
    changed = _rewritten(package, tmp_path / "redigeret.zip", "sag-1/data/sag.json", 10)
    result = run(["archive", "verify", str(changed)], demo)
    assert result.returncode == 8
    assert "Filen data/sag.json er ændret: dens sha256 er" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_edited_audit_event_is_caught_even_with_rewritten_manifests(package, tmp_path
                                                                       ) -> None:
    import bagit

    bag_dir = _unzip(package, tmp_path)
    trail_path = bag_dir / "data" / "revisionsspor.json"
    trail = json.loads(trail_path.read_text())
    trail["haendelser"][3]["comment"] = "Rettet bagefter"
    trail_path.write_text(json.dumps(trail, ensure_ascii=False))
    bagit.Bag(str(bag_dir)).save(manifests=True)  # a forger recomputes the manifests
    forged = tmp_path / "forfalsket.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for path in sorted(p for p in bag_dir.rglob("*") if p.is_file()):
            archive.write(path, f"sag-1/{path.relative_to(bag_dir).as_posix()}")
    report = verify_package(forged)
    assert not report.ok
    assert any("passer ikke med sin hash" in p for p in report.problems)


def _header_positions(path: Path) -> list[int]:
    """Every byte of every local header and name, the whole directory and the end record."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    positions = [p for i in infos
                 for p in range(i.header_offset, i.header_offset + 30 + len(i.filename))]
    last = infos[-1]
    directory_at = last.header_offset + 30 + len(last.filename) + last.compress_size
    return positions + list(range(directory_at, path.stat().st_size))


def test_any_byte_of_the_zip_structure_or_contents_flipped_makes_verify_fail(package, tmp_path
                                                                            ) -> None:
    data = package.read_bytes()
    spread = range(0, len(data), max(1, len(data) // 60))  # and samples of the files' bytes
    for position in sorted({*_header_positions(package), *spread}):
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        target = tmp_path / "flip.zip"
        target.write_bytes(bytes(flipped))
        report = verify_package(target)
        assert not report.ok and report.problems, position


def test_not_a_zip_is_refused_in_danish(demo, tmp_path) -> None:
    bogus = tmp_path / "ikke.zip"
    bogus.write_bytes(b"hello")
    result = run(["archive", "verify", str(bogus)], demo)
    assert result.returncode == 8 and "ikke en gyldig zip-pakke" in result.stderr
