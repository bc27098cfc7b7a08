"""Alembic environment: the schema of every table that `aftaleflow.db` registers.

Run programmatically by `aftaleflow.db.upgrade` (which hands over a connection in
`config.attributes["connection"]`) or by the `alembic` command from the repository root, which
uses AFTALEFLOW_DATABASE_URL (or the default SQLite file) like the application does.
"""

from __future__ import annotations

import re
from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool

from aftaleflow.config import get_settings
from aftaleflow.db import all_tables

config = context.config
target_metadata = all_tables()

# Full-text search tables are built by hand (SQLite FTS5 and its shadow tables), not by models;
# so is PostgreSQL's GIN index on the stemmed text (text_index_stems_fts).
_UNMANAGED = re.compile(r"^(search_.*|sqlite_.*|.*_fts(_(data|idx|content|docsize|config))?)$")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ in ("table", "index") and name and _UNMANAGED.match(name):
        return False
    table = getattr(obj, "table", None)
    return not (table is not None and _UNMANAGED.match(table.name))


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
        compare_type=True,
        **kwargs,
    )


def run_offline() -> None:
    _configure(
        url=config.get_main_option("sqlalchemy.url") or get_settings().database_url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
