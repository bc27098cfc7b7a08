"""`aftaleflow backup -o DIR`: a consistent copy while writers keep working.

Each backup is a folder `aftaleflow-<UTC time>/` holding the database copy, `manifest.json`
(time, schema revision, rows per table, the audit chain's head, the copy's size and sha256)
and `checkpoints/` (the signed checkpoints at that moment). It is built under a hidden
temporary name (`.aftaleflow-<time>.partial`) and renamed only when complete: a backup killed
halfway is never taken for a good one.

SQLite: the online backup API copies every page in one step inside one read transaction (WAL
lets writers go on); the manifest's facts are read from the copy. PostgreSQL: pg_dump (custom
format) dumps a snapshot this process exported with `pg_export_snapshot()`, and the manifest's
facts are read in that same snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from aftaleflow.config import get_settings
from aftaleflow.db import is_sqlite
from aftaleflow.services.safekeeping import pgtools
from aftaleflow.services.safekeeping.snapshot import Facts, read_facts
from aftaleflow.services.uow import DatabaseUnavailable, ServiceContext

FORMAT = "aftaleflow-sikkerhedskopi/1"
PREFIX = "aftaleflow-"
MANIFEST = "manifest.json"
SQLITE_FILE = "aftaleflow.sqlite"
PG_FILE = "aftaleflow.pgdump"


@dataclass(frozen=True)
class Backup:
    folder: Path
    data_file: Path
    manifest: dict[str, Any]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_sqlite(engine: Engine, target: Path) -> tuple[Facts, str]:
    source_path = engine.url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).exists():
        raise DatabaseUnavailable(f"SQLite-filen {source_path} findes ikke: kør "
                                  "'aftaleflow init' først.")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # every page in one step: one read transaction, one snapshot
    finally:
        copy.close()
        source.close()
    reader = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        with reader.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")  # one self-contained file
            facts = read_facts(conn)
            version = str(conn.exec_driver_sql("SELECT sqlite_version()").scalar_one())
    finally:
        reader.dispose()
    return facts, f"SQLite {version}"


def _dump_postgres(engine: Engine, target: Path) -> tuple[Facts, str]:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            major = pgtools.server_major(conn)
            pg_dump = pgtools.find_tool("pg_dump", major)
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            uri, env = pgtools.libpq(engine.url)
            dump = subprocess.Popen(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-owner",
                 f"--file={target}", f"--dbname={uri}"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                facts = read_facts(conn)  # the same snapshot pg_dump is dumping
            finally:
                _, err = dump.communicate()
    if dump.returncode != 0:
        last = (err.strip().splitlines() or ["ukendt fejl"])[-1]
        raise DatabaseUnavailable(f"pg_dump mislykkedes: {last}. Intet er skrevet.")
    return facts, f"PostgreSQL {version}"


def _folder_name(out_dir: Path, now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name, n = f"{PREFIX}{stamp}", 1
    while (out_dir / name).exists():
        n += 1
        name = f"{PREFIX}{stamp}-{n}"
    return name


def make_backup(ctx: ServiceContext, out_dir: Path | None = None) -> Backup:
    """Copy the database into a new backup folder under `out_dir`, with its manifest."""
    ctx.authorize("audit.verify")
    out_dir = out_dir or get_settings().backup_dir
    now = ctx.now()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        name = _folder_name(out_dir, now)
        partial = out_dir / f".{name}.partial"
        partial.mkdir(mode=0o700)  # the whole database: for the owner only
    except OSError as exc:
        raise DatabaseUnavailable(f"Kan ikke skrive i {out_dir}: mappen kan ikke oprettes, "
                                  f"eller der mangler skriveadgang ({exc.strerror}). Intet er "
                                  "skrevet.") from None
    try:
        return _fill(ctx, partial, out_dir / name, now)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise DatabaseUnavailable(f"Sikkerhedskopien kunne ikke skrives i {out_dir} "
                                  f"({exc.strerror}); intet er skrevet.") from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _fill(ctx: ServiceContext, partial: Path, final: Path, now: datetime) -> Backup:
    sqlite = is_sqlite(ctx.engine)
    data = partial / (SQLITE_FILE if sqlite else PG_FILE)
    facts, server = (_copy_sqlite if sqlite else _dump_postgres)(ctx.engine, data)
    _fsync(data)
    copied = _copy_checkpoints(partial / "checkpoints")
    manifest = {
        "format": FORMAT, "created_at": now.isoformat(),
        "backend": "sqlite" if sqlite else "postgresql", "server": server,
        "file": data.name, "bytes": data.stat().st_size, "sha256": sha256_of(data),
        **facts.as_manifest(), "checkpoints": copied,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    _fsync(partial / MANIFEST)
    partial.rename(final)  # the one step that makes it a finished backup
    _fsync(final.parent)
    return Backup(final, final / data.name, manifest)


def _copy_checkpoints(target: Path) -> list[str]:
    source = get_settings().checkpoint_dir
    target.mkdir()
    names = sorted(p.name for p in source.glob("*.json")) if source.is_dir() else []
    for name in names:
        shutil.copy2(source / name, target / name)
    return names


def finished_backups(out_dir: Path) -> list[Backup]:
    """Every finished backup folder of `out_dir` (with a readable manifest), oldest first."""
    found = []
    for folder in sorted(out_dir.glob(f"{PREFIX}*")) if out_dir.is_dir() else []:
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append(Backup(folder, folder / str(manifest.get("file")), manifest))
    return sorted(found, key=lambda b: str(b.manifest.get("created_at")))
