"""PostgreSQL restarted under a running mail sender: every outbox message is sent exactly once.

Starts its own PostgreSQL server (as .ci/start-postgres does: the `postgres` user, a temp dir,
a free port on 127.0.0.1), queues round letters, sends them in a thread the way `serve` does,
and restarts the server (`pg_ctl restart -m fast`) in the middle.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from aftaleflow.db import make_engine
from aftaleflow.domain.outbox import SENT, OutboxMessage
from aftaleflow.mail import OutgoingMail
from aftaleflow.services.mail.mailing import send_outbox
from aftaleflow.services.mail.reminders import enqueue_round_letters
from aftaleflow.services.structure.masterdata import load_master_data
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock, agreement_in_state

PGBINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                key=lambda p: int(p.split("/")[-2].split(".")[0]))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PGBINS, reason="PostgreSQL binaries not installed"),
    pytest.mark.skipif(os.geteuid() != 0 and shutil.which("su") is None,
                       reason="needs root to run PostgreSQL as the postgres user"),
]


def _as_postgres(command: str) -> None:
    args = ["su", "postgres", "-c", command] if os.geteuid() == 0 else ["sh", "-c", command]
    subprocess.run(args, check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    directory: str
    port: int

    @property
    def pg_ctl(self) -> str:
        return f"{PGBINS[-1]}/pg_ctl -D {self.directory}/data -l {self.directory}/log -w"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def restart(self) -> None:
        _as_postgres(f"{self.pg_ctl} restart -m fast")


@pytest.fixture
def server() -> Iterator[Server]:
    directory = tempfile.mkdtemp(prefix="aftaleflow-pgfault-")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    srv = Server(directory, _free_port())
    _as_postgres(f"{PGBINS[-1]}/initdb -D {directory}/data -A trust -U postgres -E UTF8 "
                 "--locale=C.UTF-8")
    srv_opts = f"-k {directory} -h 127.0.0.1 -p {srv.port} -c fsync=off"
    _as_postgres(f"{srv.pg_ctl} -o '{srv_opts}' start")
    try:
        yield srv
    finally:
        subprocess.run(["su", "postgres", "-c", f"{srv.pg_ctl} stop -m immediate"]
                       if os.geteuid() == 0 else ["sh", "-c", f"{srv.pg_ctl} stop -m immediate"],
                       capture_output=True, timeout=60)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class CountingTransport:
    """Takes a little time per mail, like an SMTP dialogue, and counts what it was given."""

    sent: list[str] = field(default_factory=list)

    def send(self, mail: OutgoingMail) -> None:
        time.sleep(0.05)
        self.sent.append(mail.idempotency_key)


def test_outbox_survives_a_postgresql_restart_without_loss_or_repeat(server: Server) -> None:
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE aftaleflow"))
    admin.dispose()
    engine = make_engine(server.url("aftaleflow"))
    ctx = ServiceContext(engine=engine, actor="sender", clock=MovableClock())
    load_master_data(ctx)
    for _ in range(4):
        agreement_in_state(ctx, "i_godkendelse")
    keys = enqueue_round_letters(ctx)
    assert len(keys) >= 20

    transport = CountingTransport()
    errors: list[BaseException] = []
    done = threading.Event()

    def sender() -> None:  # what `serve` does every few minutes, here back to back
        try:
            while not done.is_set():
                send_outbox(ctx, transport=transport, attachments=None)
                if len(set(transport.sent)) >= len(keys):
                    return
                time.sleep(0.05)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while len(transport.sent) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.restart()
    restarted_at = len(transport.sent)
    thread.join(timeout=120)
    done.set()
    assert not errors, errors
    assert not thread.is_alive()
    assert restarted_at < len(keys), "the restart came after the last mail; nothing was tested"
    assert Counter(transport.sent) == Counter(keys)  # each exactly once
    engine.dispose()
    with Session(make_engine(server.url("aftaleflow"))) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert sorted(r.key for r in rows) == sorted(keys)
    assert {r.status for r in rows} == {SENT}
