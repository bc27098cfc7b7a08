"""The outbox: every outgoing message is a row first, keyed so it is queued only once.

Life of a row: queued -> sending (claimed, committed before the SMTP dialogue) -> sent.
A delivery error puts it back to queued (or failed after too many attempts). A row found in
`sending` by a later run was interrupted between the SMTP server's answer and our mark: the
server may or may not have it, so it becomes `uncertain` and is shown to a person instead of
being sent again (at-most-once for that one ambiguous step; see docs/outbox.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

QUEUED, SENDING, SENT, FAILED, UNCERTAIN = "queued", "sending", "sent", "failed", "uncertain"
STATUS_LABELS = {
    QUEUED: "I kø",
    SENDING: "Sendes",
    SENT: "Sendt",
    FAILED: "Fejlet",
    UNCERTAIN: "Usikker (kontrollér)",
}
MAX_ATTEMPTS = 5


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, description="idempotency key")
    kind: str = Field(index=True)
    status: str = Field(default=QUEUED, index=True)
    recipients: list[str] = Field(sa_column=Column(JSON, nullable=False))
    subject: str
    body: str
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id", index=True)
    approval_id: int | None = Field(default=None, foreign_key="approval.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    attempts: int = 0
    created_at: datetime
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
