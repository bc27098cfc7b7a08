"""A database that cannot answer: one Danish error for every adapter, and a quiet log.

A stopped server otherwise fills the log with a traceback per request; here each kind of
failure is logged once per interval, with how many like it were left out since.
"""

from __future__ import annotations

import logging
import threading
import time

from aftaleflow.services.uow import DatabaseUnavailable, _db_message

log = logging.getLogger("aftaleflow.database")
RETRY_AFTER = 30  # seconds a client is asked to wait while the database is away
LOG_INTERVAL = 60.0  # seconds: one log line per kind of database failure per interval


class _FailureLog:
    """One log line per kind of database failure per interval, however many requests meet it
    (a stopped server otherwise fills the log with a traceback per request)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._quiet: dict[str, int] = {}

    def report(self, exc: BaseException, message: str) -> None:
        cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) else exc
        kind = f"{type(getattr(cause, 'orig', None) or cause).__name__}: {message}"
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(kind, -self.interval) < self.interval:
                self._quiet[kind] = self._quiet.get(kind, 0) + 1
                return
            self._last[kind] = now
            quiet = self._quiet.pop(kind, 0)
        first = str(getattr(cause, "orig", None) or cause).strip().splitlines()[:1]
        log.error("%s [%s]%s", kind, first[0][:200] if first else "",
                  f" ({quiet} ens fejl undertrykt siden sidst)" if quiet else "")


failure_log = _FailureLog(LOG_INTERVAL)


def database_failure(exc: BaseException) -> DatabaseUnavailable:
    """The Danish error for a database that cannot serve the request now, logged once per
    kind and interval (API and dashboard both report through here)."""
    error = exc if isinstance(exc, DatabaseUnavailable) else DatabaseUnavailable(
        _db_message(exc if isinstance(exc, Exception) else Exception(str(exc))))
    failure_log.report(exc, error.message)
    return error
