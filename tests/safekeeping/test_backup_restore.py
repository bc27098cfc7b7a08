"""Backups taken while writers work restore into an empty database and match their manifest;
a backup killed halfway never looks finished; a damaged backup restores nothing."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from aftaleflow import audit
from aftaleflow.config import PROJECT_ROOT
from aftaleflow.services.safekeeping import pgtools
from aftaleflow.services.safekeeping.backup import finished_backups
from aftaleflow.services.safekeeping.snapshot import read_facts
from aftaleflow.services.uow import ServiceContext
from tests.conftest import BACKEND, Databases
from tests.factories import agreement_in_state
from tests.safekeeping.conftest import cli, cli_env

_names = itertools.count()


@pytest.fixture
def target_url(databases: Databases, tmp_path: Path) -> Iterator[str]:
    """Where a restore goes: a database that does not exist yet."""
    if BACKEND == "postgresql":
        name = f"restored{next(_names)}"
        url = databases.url(name)
        yield url
        databases.drop(name)
        for aside in _databases_like(url, f"{databases.prefix}_{name}_"):
            pgtools.admin(url, f'DROP DATABASE IF EXISTS "{aside}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def _databases_like(url: str, prefix: str) -> list[str]:
    engine = create_engine(pgtools.maintenance_url(url), poolclass=NullPool)
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": prefix + "%"})]
    engine.dispose()
    return names


def _exists(url: str) -> bool:
    if BACKEND == "postgresql":
        return pgtools.database_exists(url)
    path = Path(make_url(url).database or "")
    return path.exists() or any(path.parent.glob(f".{path.name}.restoring*"))


def _facts_and_chain(url: str) -> tuple[object, audit.ChainReport]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        facts = read_facts(conn)
    with Session(engine) as session:
        chain = audit.verify(session)
    engine.dispose()
    return facts, chain


def _backup(db_url: str, out: Path) -> Path:
    done = cli(db_url, "backup", "-o", str(out))
    assert done.returncode == 0, done.stderr
    [made] = finished_backups(out)
    return made.data_file


@pytest.mark.slow
def test_restore_drill_a_backup_taken_while_a_writer_records_decisions_matches_its_manifest(
        ctx: ServiceContext, db_url: str, tmp_path: Path, state: Path, target_url: str) -> None:
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-m", "tests.safekeeping.writer", db_url,
                               str(stop)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert writer.stdout is not None
        while len(lines) < 5:
            lines.append(writer.stdout.readline())
            assert lines[-1], writer.stderr.read() if writer.stderr else ""
        with Session(ctx.engine) as session:
            at_start = audit.head(session.connection()).count
        data_file = _backup(db_url, tmp_path / "backup")
        with Session(ctx.engine) as session:
            at_end = audit.head(session.connection()).count
    finally:
        stop.touch()
        writer.wait(timeout=120)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    manifest = json.loads((data_file.parent / "manifest.json").read_text())
    assert data_file.parent.stat().st_mode & 0o777 == 0o700  # readable by its owner only
    # the writer went on while the backup ran, and the backup holds a moment in between
    assert at_start < manifest["audit"]["events"] < at_end

    done = cli(db_url, "restore", str(data_file), "--to", target_url)
    assert done.returncode == 0, done.stderr
    assert "stemmer med manifestet" in done.stdout
    assert f"hændelse #{manifest['audit']['head_event_id']}" in done.stdout

    facts, chain = _facts_and_chain(target_url)
    assert facts.tables == manifest["tables"]  # type: ignore[attr-defined]
    assert facts.head.hash == manifest["audit"]["head_hash"]  # type: ignore[attr-defined]
    assert facts.schema_revision == manifest["schema_revision"]  # type: ignore[attr-defined]
    assert chain.ok and chain.events == manifest["audit"]["events"]
    # the restored chain is the live chain up to the backup's moment
    live = audit.Anchor("backup", manifest["audit"]["head_event_id"],
                        manifest["audit"]["head_hash"], manifest["audit"]["events"])
    with Session(ctx.engine) as session:
        assert audit.verify(session, [live]).ok
    assert cli(target_url, "audit", "verify").returncode == 0


def _hold_lock(db_url: str) -> tuple[object, object]:
    """Block every reader of the database: a backup started now waits halfway."""
    if BACKEND == "postgresql":
        engine = create_engine(db_url, poolclass=NullPool)
        conn = engine.connect()
        conn.execute(text("LOCK TABLE agreement IN ACCESS EXCLUSIVE MODE"))
        return engine, conn
    raw = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
    raw.execute("PRAGMA locking_mode=EXCLUSIVE")
    raw.execute("BEGIN EXCLUSIVE")
    raw.execute("CREATE TABLE lock_probe (x)")
    return raw, raw


def _release(holder: tuple[object, object]) -> None:
    owner, conn = holder
    if isinstance(conn, sqlite3.Connection):
        conn.execute("ROLLBACK")
        conn.close()
        return
    conn.rollback()  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]
    owner.dispose()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_backup_killed_halfway_leaves_nothing_named_as_a_finished_backup(
        ctx: ServiceContext, engine, db_url: str, tmp_path: Path, state: Path,
        target_url: str) -> None:
    agreement_in_state(ctx, "i_godkendelse")
    engine.dispose()
    out = tmp_path / "backup"
    holder = _hold_lock(db_url)
    try:
        backup = subprocess.Popen([sys.executable, "-m", "aftaleflow", "backup", "-o", str(out)],
                                  env=cli_env(db_url), cwd=PROJECT_ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  start_new_session=True)
        deadline = time.monotonic() + 120
        while not list(out.glob(".*.partial/aftaleflow.*")) and time.monotonic() < deadline:
            assert backup.poll() is None, backup.communicate()
            time.sleep(0.2)
        time.sleep(1.0)  # the copy has started and waits for the lock
        assert backup.poll() is None, backup.communicate()
        os.killpg(backup.pid, signal.SIGKILL)
        backup.wait(timeout=30)
    finally:
        _release(holder)
    [partial] = out.glob(".*.partial")
    assert [p.name for p in out.iterdir()] == [partial.name]  # nothing under a finished name
    assert finished_backups(out) == []
    assert not (partial / "manifest.json").exists()
    [data] = partial.glob("aftaleflow.*")
    refused = cli(db_url, "restore", str(data), "--to", target_url)
    assert refused.returncode == 10 and "Manifestet mangler" in refused.stderr
    assert not _exists(target_url)
    # the same backup run again finishes, next to the remains of the killed one
    data_file = _backup(db_url, out)
    assert cli(db_url, "restore", str(data_file), "--to", target_url).returncode == 0


@pytest.fixture
def backup_file(ctx: ServiceContext, db_url: str, tmp_path: Path, state: Path) -> Path:
    agreement_in_state(ctx, "i_godkendelse")
    return _backup(db_url, tmp_path / "backup")


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "afkortet":
        path.write_bytes(data[: len(data) // 2])
    else:
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))


@pytest.mark.parametrize(("how", "said"), [
    ("afkortet", "er afkortet eller ændret"),
    ("ændret", "dens sha256 passer ikke med manifestet"),
])
def test_a_truncated_or_altered_backup_restores_nothing(
        backup_file: Path, db_url: str, target_url: str, how: str, said: str) -> None:
    _damage(backup_file, how)
    done = cli(db_url, "restore", str(backup_file), "--to", target_url)
    assert done.returncode == 10
    assert said in done.stderr and "Intet er lagt tilbage" in done.stderr
    assert "Traceback" not in done.stderr
    assert not _exists(target_url)


def test_a_manifest_that_does_not_match_the_restored_copy_restores_nothing(
        backup_file: Path, db_url: str, target_url: str) -> None:
    path = backup_file.parent / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"]["agreement"] += 1
    manifest["audit"]["head_hash"] = "0" * 64
    path.write_text(json.dumps(manifest))
    done = cli(db_url, "restore", str(backup_file), "--to", target_url)
    assert done.returncode == 10, done.stderr
    assert "Den gendannede kopi stemmer ikke med manifestet" in done.stderr
    assert "tabellen agreement har 1 rækker, manifestet siger 2" in done.stderr
    assert "revisionssporets hoved" in done.stderr
    assert not _exists(target_url)


def test_a_backup_without_its_manifest_is_refused(backup_file: Path, db_url: str,
                                                  target_url: str) -> None:
    (backup_file.parent / "manifest.json").unlink()
    done = cli(db_url, "restore", str(backup_file), "--to", target_url)
    assert done.returncode == 10 and "Manifestet mangler" in done.stderr
    assert not _exists(target_url)


def test_restore_refuses_a_database_with_data_and_with_force_moves_it_aside(
        backup_file: Path, db_url: str, target_url: str) -> None:
    assert cli(db_url, "restore", str(backup_file), "--to", target_url).returncode == 0
    engine = create_engine(target_url, poolclass=NullPool)
    with engine.begin() as conn:  # the target now holds something the backup does not
        conn.execute(text("UPDATE agreement SET title = 'Ændret efter gendannelsen'"))
    engine.dispose()
    refused = cli(db_url, "restore", str(backup_file), "--to", target_url)
    assert refused.returncode == 5 and "er ikke tom" in refused.stderr
    assert "--force" in refused.stderr
    forced = cli(db_url, "restore", str(backup_file), "--to", target_url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "flyttet til side" in forced.stdout
    aside = forced.stdout.split("flyttet til side: ", 1)[1].split(".\n", 1)[0]
    aside_url = (f"sqlite:///{aside}" if BACKEND == "sqlite"
                 else make_url(target_url).set(database=aside).render_as_string(False))
    engine = create_engine(aside_url, poolclass=NullPool)
    with engine.connect() as conn:  # the old database is kept, as it was
        assert conn.execute(text("SELECT title FROM agreement")).scalar_one() == \
            "Ændret efter gendannelsen"
    engine.dispose()
    if BACKEND == "postgresql":
        pgtools.admin(target_url, f'DROP DATABASE IF EXISTS "{aside}" WITH (FORCE)')


def test_the_nightly_run_finds_a_kept_backup_that_rotted_and_mails_the_manager(
        ctx: ServiceContext, backup_file: Path, tmp_path: Path) -> None:
    from aftaleflow.domain.outbox import OutboxMessage
    from aftaleflow.services.safekeeping.keys import ensure_key_pair
    from aftaleflow.services.safekeeping.nightly import nightly_safekeeping

    ensure_key_pair(ctx.now())
    _damage(backup_file, "ændret")  # last night's backup, changed on disk since
    ctx.clock.tick()  # type: ignore[attr-defined]
    report = nightly_safekeeping(ctx, tmp_path / "backup")
    assert report.backup is not None and report.restore_checked  # tonight's is fine
    assert report.problems == [
        f"Den gemte sikkerhedskopi {backup_file.parent.name} kan ikke bruges: Sikkerhedskopien "
        f"{backup_file.name} er ændret: dens sha256 passer ikke med manifestet. Intet er lagt "
        "tilbage."]
    assert report.mail_queued
    with Session(ctx.engine) as session:
        [mail] = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "backup_failed")).all()
    assert mail.recipients == ["leder@aftaleflow.test"]
    assert backup_file.parent.name in mail.body and "fejlede" in mail.subject
