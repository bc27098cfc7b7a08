"""PostgreSQL's own tools (pg_dump, pg_restore) and the few statements run as maintenance.

pg_dump must be of the server's major version: it is looked up on PATH first, then in
Debian's /usr/lib/postgresql/<major>/bin. The password goes to the tools through PGPASSWORD,
never on the command line (where `ps` would show it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from aftaleflow.services.uow import DatabaseUnavailable

DEBIAN_BIN = "/usr/lib/postgresql/{major}/bin"


def server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _major_of(binary: str) -> int | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def find_tool(name: str, major: int) -> str:
    """`name` (pg_dump, pg_restore) of PostgreSQL `major`, from PATH or Debian's directory."""
    candidates = [shutil.which(name), str(Path(DEBIAN_BIN.format(major=major)) / name)]
    for candidate in candidates:
        if candidate and Path(candidate).exists() and _major_of(candidate) == major:
            return candidate
    raise DatabaseUnavailable(
        f"{name} til PostgreSQL {major} findes ikke: installér PostgreSQL {major}'s "
        f"klientprogrammer, og læg {name} på PATH (eller i "
        f"{DEBIAN_BIN.format(major=major)}). Intet er skrevet.")


def libpq(url: URL | str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries the password."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_tool(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["ukendt fejl"])[-1]
        raise DatabaseUnavailable(f"{what} mislykkedes: {last}")


def maintenance_url(url: URL | str) -> URL:
    """The same server's `postgres` database, for CREATE, ALTER and DROP DATABASE."""
    return make_url(url).set(database="postgres")


def admin(url: URL | str, *statements: str) -> None:
    engine = create_engine(maintenance_url(url), isolation_level="AUTOCOMMIT",
                           poolclass=NullPool)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def database_exists(url: URL | str) -> bool:
    name = make_url(url).database
    engine = create_engine(maintenance_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}).first() is not None
    finally:
        engine.dispose()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
