"""The structure of a day read for a round start: the same rows however they are fetched, and
on PostgreSQL all six queries sent in one pipeline (one round trip)."""

from __future__ import annotations

from datetime import date

import pytest

from aftaleflow.services.structure import masterdata
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from tests.conftest import BACKEND


@pytest.mark.parametrize("day", [date(2026, 6, 1), date(2027, 2, 1)])
def test_the_snapshot_rows_are_those_of_each_query_on_its_own(ctx: ServiceContext,
                                                              day: date) -> None:
    with UnitOfWork(ctx, read_only=True) as uow:
        conn = uow.session.connection()
        one_by_one = {name: list(query.run(conn, {"on": day}).fetchall())
                      for name, query in masterdata._SNAPSHOT.items()}
        assert masterdata._fetch_all(conn, day) == one_by_one
        assert all(one_by_one.values())


@pytest.mark.skipif(BACKEND != "postgresql", reason="psycopg's pipeline: PostgreSQL only")
def test_on_postgresql_the_six_queries_go_in_one_pipeline(ctx: ServiceContext,
                                                          monkeypatch) -> None:
    import psycopg

    entered: list[int] = []
    pipeline = psycopg.Connection.pipeline

    def counting(self):  # type: ignore[no-untyped-def]
        entered.append(1)
        return pipeline(self)

    monkeypatch.setattr(psycopg.Connection, "pipeline", counting)
    with UnitOfWork(ctx, read_only=True) as uow:
        snap = masterdata.snapshot(uow.session, date(2026, 6, 1))
    assert entered == [1] and snap.regional_council
