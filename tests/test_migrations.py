"""The schema comes only from Alembic migrations, and they describe the models exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from aftaleflow import db
from tests.conftest import Databases


@pytest.fixture
def empty_engine(databases: Databases, request: pytest.FixtureRequest) -> Iterator[Engine]:
    name = f"mig_{request.node.name[-30:]}"
    engine = db.make_engine(databases.create(name))
    yield engine
    engine.dispose()
    databases.drop(name)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgraded_database_matches_the_models_exactly(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    assert db.current_revision(empty_engine) == db.head_revision()
    with db._migration_connection(empty_engine) as conn:
        command.check(db.alembic_config(conn))  # raises if autogenerate would add anything


def test_full_text_tables_built_by_search_are_left_to_it(empty_engine: Engine) -> None:
    from aftaleflow.services.reading.search import ensure_fts

    db.upgrade(empty_engine)
    ensure_fts(empty_engine)  # SQLite: FTS5 table, shadow tables and triggers; else nothing
    with db._migration_connection(empty_engine) as conn:
        command.check(db.alembic_config(conn))


def test_downgrade_to_base_and_upgrade_again_round_trips(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    tables = _tables(empty_engine)
    assert {"agreement", "approval", "audit_event", "outbox"} <= tables
    db.downgrade(empty_engine, "base")
    assert _tables(empty_engine) == set()
    assert db.current_revision(empty_engine) is None
    db.upgrade(empty_engine)
    assert _tables(empty_engine) == tables


def _revisions() -> list[str]:
    """Revision ids, oldest first."""
    script = ScriptDirectory.from_config(db.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_every_migration_steps_down_and_up_one_at_a_time(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    for _ in _revisions():
        db.downgrade(empty_engine, "-1")
    assert db.current_revision(empty_engine) is None
    for revision in _revisions():
        db.upgrade(empty_engine, revision)
        assert db.current_revision(empty_engine) == revision


def test_a_database_made_before_migrations_is_adopted_not_recreated(
        empty_engine: Engine) -> None:
    db.upgrade(empty_engine, _revisions()[0])
    with db._migration_connection(empty_engine) as conn:  # as create_all left it: no version
        conn.exec_driver_sql("DROP TABLE alembic_version")
    db.upgrade(empty_engine)
    assert db.current_revision(empty_engine) == db.head_revision()


def test_db_commands_run_from_any_directory(databases: Databases, tmp_path) -> None:
    url = databases.create("mig_cli")
    env = dict(os.environ, AFTALEFLOW_DATABASE_URL=url)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "aftaleflow", "db", *args], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)

    head = db.head_revision()
    assert "base" in run("current").stdout
    upgraded = run("upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"revision {head}" in upgraded.stdout
    assert f"på revision {head}; nyeste er {head}" in run("current").stdout
    wrong = run("downgrade", "findes-ikke")
    assert wrong.returncode == 2 and "Fejl: Migrationen kunne ikke køres" in wrong.stderr
    assert run("downgrade", "base").returncode == 0
    assert "base" in run("current").stdout
    databases.drop("mig_cli")


def test_rows_indexed_before_owners_were_recorded_get_their_owner(empty_engine: Engine,
                                                                   ) -> None:
    """The text-index owner migration fills in the body of every item and letter already
    indexed, and leaves SQLite's full-text triggers working (search by a part after it)."""
    from sqlalchemy import text

    from aftaleflow.services.reading.search import ensure_fts, search
    from aftaleflow.services.structure.masterdata import load_master_data
    from aftaleflow.services.uow import ServiceContext
    from tests.factories import MovableClock
    from tests.services.test_search_scope import owned_by, part_ctx, refs, seed_two_councils

    db.upgrade(empty_engine)
    ctx = ServiceContext(engine=empty_engine, actor="test", clock=MovableClock())
    load_master_data(ctx)
    seed_two_councils(ctx)
    ensure_fts(empty_engine)
    owners = "SELECT kind, ref_id, owner_body_id FROM text_index ORDER BY id"
    with empty_engine.connect() as conn:
        before = conn.execute(text(owners)).all()
    owned = owned_by(empty_engine, "kb-630") | owned_by(empty_engine, "kb-621")
    assert {(kind, ref) for kind, ref, owner in before if owner is not None} == owned
    before_owner = ScriptDirectory.from_config(db.alembic_config()).get_revision(
        "20261202_g1").down_revision
    db.downgrade(empty_engine, str(before_owner))
    db.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert conn.execute(text(owners)).all() == before
    vejle = part_ctx(empty_engine, MovableClock(), "kb-630")
    assert not refs(search(vejle, "vestkysten")) & owned_by(empty_engine, "kb-621")


def test_items_made_before_keep_a_number_off_their_place_as_the_clerks(
        empty_engine: Engine) -> None:
    """Migrated agenda items: seed 004's lone item 18 counts as the clerk's number; items
    numbered 1..N in order were numbered by the system."""
    from sqlalchemy import text

    from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting
    from aftaleflow.services.structure.masterdata import load_master_data
    from aftaleflow.services.uow import ServiceContext
    from tests.factories import MovableClock
    from tests.services.test_meetings import MEETING_AT

    db.upgrade(empty_engine)
    ctx = ServiceContext(engine=empty_engine, actor="test", clock=MovableClock())
    load_master_data(ctx)
    for numbers in ((None, None), (18,), (None, 7)):
        meeting = create_meeting(ctx, "kb-657", MEETING_AT, "Byrådssalen")
        for number in numbers:
            add_item(ctx, meeting.id, NewItem(title="Punkt", number=number))
    flags = "SELECT number, custom_number FROM agenda_item ORDER BY id"
    before_owner = ScriptDirectory.from_config(db.alembic_config()).get_revision(
        "20261202_g1").down_revision
    db.downgrade(empty_engine, str(before_owner))
    db.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert [(n, bool(c)) for n, c in conn.execute(text(flags))] == [
            (1, False), (2, False), (18, True), (1, False), (7, True)]


def test_rows_indexed_before_folding_are_found_by_either_spelling_after_the_upgrade(
        empty_engine: Engine) -> None:
    """The folding migration stems every indexed row again (SQLite's FTS5 table follows
    through its triggers): an agreement indexed as 'Århus' before is found as 'Aarhus'."""
    from sqlalchemy import text

    from aftaleflow.services.reading.search import ensure_fts, search
    from aftaleflow.services.structure.masterdata import load_master_data
    from aftaleflow.services.uow import ServiceContext
    from tests.factories import MovableClock, Spec, new_agreement

    db.upgrade(empty_engine)
    ctx = ServiceContext(engine=empty_engine, actor="test", clock=MovableClock())
    load_master_data(ctx)
    new_agreement(ctx, Spec(title="Akutfunktion i Århus"))
    ensure_fts(empty_engine)
    db.downgrade(empty_engine, "20261202_g1")  # stems as they were written before: 'århus'
    with empty_engine.connect() as conn:
        assert "århus" in conn.execute(text("SELECT title_stems FROM text_index")).scalar_one()
    assert search(ctx, "Aarhus") == []
    db.upgrade(empty_engine)
    for query in ("Aarhus", "Århus"):
        assert [h.title for h in search(ctx, query)] == ["Akutfunktion i Århus"]
