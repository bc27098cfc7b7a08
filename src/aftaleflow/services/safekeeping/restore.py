"""`aftaleflow restore FILE --to URL`: put a backup back and prove it matches its manifest.

The file is checked against its manifest (size, sha256) before anything is touched. It is then
restored under a temporary name (a `.restoring` file beside the SQLite target, or a scratch
database on the PostgreSQL server), checked again — schema revision, rows per table, the audit
chain's head and every link of the chain — and only then given the target's name. A target
that holds data is refused unless `force`; then it is moved aside (the SQLite file renamed,
the PostgreSQL database renamed), never deleted. Whatever fails, nothing is half-restored.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from aftaleflow import audit
from aftaleflow.domain.errors import ActionRefused, BackupUnusable, ValidationFailed
from aftaleflow.services.safekeeping import pgtools
from aftaleflow.services.safekeeping.backup import FORMAT, MANIFEST, sha256_of
from aftaleflow.services.safekeeping.snapshot import Facts, is_empty, read_facts


@dataclass(frozen=True)
class Restored:
    target: str
    moved_aside: str | None
    facts: Facts
    chain: audit.ChainReport
    manifest: dict[str, Any]


def read_manifest(source: Path) -> tuple[Path, dict[str, Any]]:
    """The data file and its manifest, checked: the size and sha256 the manifest records."""
    folder = source if source.is_dir() else source.parent
    path = folder / MANIFEST
    if not source.exists():
        raise BackupUnusable(f"Sikkerhedskopien {source} findes ikke.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError
    except FileNotFoundError:
        raise BackupUnusable(f"Manifestet mangler ved siden af {source}: en sikkerhedskopi uden "
                             "manifest er ikke færdig og lægges ikke tilbage.") from None
    except (ValueError, AttributeError):
        raise BackupUnusable(f"Manifestet {path} kan ikke læses som en aftaleflow-"
                             "sikkerhedskopi.") from None
    data = folder / str(manifest.get("file"))
    if not source.is_dir() and data != source:
        raise BackupUnusable(f"Manifestet {path} hører til {data.name}, ikke {source.name}.")
    if not data.exists():
        raise BackupUnusable(f"Filen {data.name}, som manifestet nævner, mangler.")
    size = data.stat().st_size
    if size != manifest.get("bytes"):
        raise BackupUnusable(f"Sikkerhedskopien {data.name} er afkortet eller ændret: "
                             f"{size} bytes, manifestet siger {manifest.get('bytes')}. "
                             "Intet er lagt tilbage.")
    if sha256_of(data) != manifest.get("sha256"):
        raise BackupUnusable(f"Sikkerhedskopien {data.name} er ændret: dens sha256 passer ikke "
                             "med manifestet. Intet er lagt tilbage.")
    return data, manifest


def differences(facts: Facts, chain: audit.ChainReport, manifest: dict[str, Any]) -> list[str]:
    """What differs between a restored database and its manifest, in Danish (empty: none)."""
    found = []
    if facts.schema_revision != manifest.get("schema_revision"):
        found.append(f"skemarevision {facts.schema_revision}, manifestet siger "
                     f"{manifest.get('schema_revision')}")
    expected: dict[str, int] = manifest.get("tables") or {}
    for table in sorted(set(expected) | set(facts.tables)):
        if facts.tables.get(table) != expected.get(table):
            found.append(f"tabellen {table} har {facts.tables.get(table, 'ingen')} rækker, "
                         f"manifestet siger {expected.get(table, 'ingen')}")
    head = manifest.get("audit") or {}
    if (facts.head.event_id, facts.head.hash, facts.head.count) != (
            head.get("head_event_id"), head.get("head_hash"), head.get("events")):
        found.append(f"revisionssporets hoved er hændelse #{facts.head.event_id} "
                     f"({facts.head.hash[:12]}, {facts.head.count} hændelser), manifestet siger "
                     f"#{head.get('head_event_id')} ({str(head.get('head_hash'))[:12]}, "
                     f"{head.get('events')} hændelser)")
    if not chain.ok:
        found.append(f"revisionssporet er brudt ved hændelse #{chain.broken_event_id}: "
                     f"{chain.reason}")
    return found


def _check(url: str | URL, manifest: dict[str, Any]) -> tuple[Facts, audit.ChainReport]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            facts = read_facts(conn)
        with Session(engine) as session:
            chain = audit.verify(session)
    except SQLAlchemyError as exc:
        raise BackupUnusable(f"Den gendannede kopi kan ikke læses ({str(exc).splitlines()[0]}); "
                             "intet er lagt tilbage.") from None
    finally:
        engine.dispose()
    problems = differences(facts, chain, manifest)
    if problems:
        raise BackupUnusable("Den gendannede kopi stemmer ikke med manifestet: "
                             + "; ".join(problems) + ". Intet er lagt tilbage.")
    return facts, chain


def restore_backup(source: Path, target_url: str, *, force: bool = False,
                   now: datetime | None = None) -> Restored:
    data, manifest = read_manifest(source)
    url = make_url(target_url)
    backend = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    if manifest.get("backend") != backend:
        raise ValidationFailed(f"Kopien er fra {manifest.get('backend')} og kan kun lægges "
                               f"tilbage i en {manifest.get('backend')}-database, ikke "
                               f"{backend}.")
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if backend == "sqlite":
        return _restore_sqlite(data, manifest, url, force, stamp)
    return _restore_postgres(data, manifest, url, force, stamp)


# --- SQLite -----------------------------------------------------------------------------

def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ValidationFailed("Angiv en SQLite-fil som mål, fx sqlite:///state/aftaleflow.db.")
    return Path(url.database)


def _sqlite_holds_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return not is_empty(conn)
    finally:
        engine.dispose()


def _restore_sqlite(data: Path, manifest: dict[str, Any], url: URL, force: bool,
                    stamp: str) -> Restored:
    target = _sqlite_path(url)
    occupied = _sqlite_holds_data(target)
    if occupied and not force:
        raise ActionRefused(f"Databasen {target} er ikke tom. Gendan i en tom database, eller "
                            "brug --force: så flyttes den til side (den slettes aldrig).")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    try:
        shutil.copyfile(data, scratch)
        with sqlite3.connect(scratch) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchone()
        if not ok or ok[0] != "ok":
            raise BackupUnusable(f"Kopien er beskadiget (integrity_check: {ok}). Intet er lagt "
                                 "tilbage.")
        facts, chain = _check(f"sqlite:///{scratch}", manifest)
        aside = _move_aside(target, stamp) if target.exists() else None
        scratch.replace(target)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    return Restored(str(target), aside, facts, chain, manifest)


def _move_aside(target: Path, stamp: str) -> str:
    """Rename the old file (and its WAL files) to `<name>.<time>.bak`; delete nothing."""
    with sqlite3.connect(target) as conn:  # fold the WAL into the file first
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    aside = target.with_name(f"{target.name}.{stamp}.bak")
    for suffix in ("-wal", "-shm", ""):
        old = Path(f"{target}{suffix}")
        if old.exists():
            old.rename(Path(f"{aside}{suffix}"))
    return str(aside)


# --- PostgreSQL ----------------------------------------------------------------------------

def _restore_postgres(data: Path, manifest: dict[str, Any], url: URL, force: bool,
                      stamp: str) -> Restored:
    name = url.database or ""
    exists = pgtools.database_exists(url)
    occupied = exists and _pg_holds_data(url)
    if occupied and not force:
        raise ActionRefused(f"Databasen {name} er ikke tom. Gendan i en tom database, eller "
                            "brug --force: så omdøbes den og gemmes (den slettes aldrig).")
    scratch = f"{name[:40]}_restoring_{os.getpid()}"
    with _scratch_database(url, scratch) as scratch_url:
        _pg_restore(data, scratch_url)
        facts, chain = _check(scratch_url, manifest)
        aside = None
        statements = []
        if occupied:
            aside = f"{name[:40]}_{stamp.lower()}_bak"
            statements.append(f"ALTER DATABASE {pgtools.quote(name)} RENAME TO "
                              f"{pgtools.quote(aside)}")
        elif exists:  # an empty database: nothing in it to keep
            statements.append(f"DROP DATABASE {pgtools.quote(name)}")
        statements.append(f"ALTER DATABASE {pgtools.quote(scratch)} RENAME TO "
                          f"{pgtools.quote(name)}")
        try:
            pgtools.admin(url, *statements)
        except SQLAlchemyError as exc:
            raise ActionRefused(f"Databasen {name} kan ikke erstattes, mens den er i brug "
                                "(stop API, flows og workers først): "
                                f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}. Intet er "
                                "lagt tilbage.") from None
    return Restored(name, aside, facts, chain, manifest)


def _pg_holds_data(url: URL) -> bool:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return not is_empty(conn)
    finally:
        engine.dispose()


@contextmanager
def _scratch_database(url: URL, scratch: str) -> Iterator[URL]:
    """A new database for the restore; dropped again unless it was renamed to the target."""
    pgtools.admin(url, f"DROP DATABASE IF EXISTS {pgtools.quote(scratch)}",
                  f"CREATE DATABASE {pgtools.quote(scratch)}")
    try:
        yield url.set(database=scratch)
    finally:
        pgtools.admin(url, f"DROP DATABASE IF EXISTS {pgtools.quote(scratch)}")


def _pg_restore(data: Path, url: URL) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            major = pgtools.server_major(conn)
    finally:
        engine.dispose()
    tool = pgtools.find_tool("pg_restore", major)
    uri, env = pgtools.libpq(url)
    try:
        pgtools.run_tool([tool, "--no-owner", "--no-privileges", "--exit-on-error",
                          "--single-transaction", f"--dbname={uri}", str(data)], env,
                         "pg_restore")
    except Exception as exc:
        raise BackupUnusable(f"Kopien kan ikke lægges tilbage: {getattr(exc, 'message', exc)}. "
                             "Intet er lagt tilbage.") from None


def check_backup(source: Path, scratch_url: str) -> Restored:
    """The nightly restore check: restore into a scratch target, compare, and remove it."""
    url = make_url(scratch_url)
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        restored = restore_backup(source, scratch_url)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return restored
    restored = restore_backup(source, scratch_url)
    pgtools.admin(url, f"DROP DATABASE IF EXISTS {pgtools.quote(url.database or '')}")
    return restored
