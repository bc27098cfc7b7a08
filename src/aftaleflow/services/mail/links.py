"""Links from letters and mails to the dashboard pages where the reader acts.

A link carries only the agreement and the party's body key: no token, no secret. The reader
logs in, and the login keeps the link, so a council's secretary lands on its decision page.
Request mails and reminders also carry the party's answer link (services.access.answer_links):
the queued text holds a placeholder, and each mail gets its own fresh link when it is sent, so
the secret is never stored in the outbox.
"""

from __future__ import annotations

from urllib.parse import quote

from aftaleflow.config import get_settings

PLACEHOLDER = "{svarlink}"
ANSWER_LINK_LINE = f"Svar uden login (et link kun til jer, gælder til beslutningen): {PLACEHOLDER}"


def decision_path(agreement_id: int, body_key: str) -> str:
    """The dashboard page for one party's decision in the agreement's current round."""
    return f"/ui/aftaler/{agreement_id}/parter/{quote(body_key, safe='')}"


def decision_url(agreement_id: int, body_key: str) -> str:
    return get_settings().base_url + decision_path(agreement_id, body_key)


def agreement_url(agreement_id: int) -> str:
    return f"{get_settings().base_url}/ui/aftaler/{agreement_id}"
