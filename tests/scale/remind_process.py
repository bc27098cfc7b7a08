"""Run by test_concurrent_remind as a separate process: one `aftaleflow remind` run.

Imports the CLI and the services it calls, connects to the database, prints "ready", waits
for a line on stdin (so two runs start at the same moment), then runs `aftaleflow remind
ARGS...` and exits with its exit code. Usage: python -m tests.scale.remind_process ARGS...
"""

from __future__ import annotations

import sys

from sqlalchemy import text

# imported before the start signal, so both runs start their work together
import aftaleflow.services.mail.mailing
import aftaleflow.services.mail.reminders  # noqa: F401
from aftaleflow.cli.app import app
from aftaleflow.db import get_engine


def main(args: list[str]) -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    print("ready", flush=True)
    sys.stdin.readline()
    app(["remind", *args], prog_name="aftaleflow")


if __name__ == "__main__":
    main(sys.argv[1:])
