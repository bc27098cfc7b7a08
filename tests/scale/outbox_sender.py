"""Run by test_two_senders as a separate process: one outbox sender, as a Prefect worker runs it.

Prints "ready" once connected, waits for a line on stdin (so both senders start together),
delivers the whole outbox through SMTP (AFTALEFLOW_SMTP_HOST/_PORT) and prints the keys it sent
as JSON. Usage: python -m tests.scale.outbox_sender URL NAME
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import text

from aftaleflow.db import make_engine
from aftaleflow.services.mail.mailing import send_outbox
from aftaleflow.services.uow import ServiceContext


def main(url: str, name: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    ctx = ServiceContext(engine=engine, actor=name)
    print("ready", flush=True)
    sys.stdin.readline()
    report = send_outbox(ctx, attachments=None)
    print(json.dumps({"sent": report.sent, "failed": report.failed,
                      "uncertain": report.uncertain}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
