"""Fixtures shared by the fault tests: a PostgreSQL server of the test's own."""

from tests.faults.test_pg_restart import server  # noqa: F401
