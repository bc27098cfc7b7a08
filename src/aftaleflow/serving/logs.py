"""The server's log configuration: no secret ever reaches a log line.

The access log records the path without its query string (a calendar address carries its key
there), and every line is scrubbed of anything shaped like one of our secrets (API token
`af_…`, calendar key `afk_…`, session key `afs_…`, answer link `afl_…`) as a second line of defence.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

SECRET = re.compile(r"\baf[ksl]?_[A-Za-z0-9_\-]{16,}")
HIDDEN = "[skjult]"


def scrub(text: str) -> str:
    """A path loses its query string; anything shaped like a secret is hidden."""
    if text.startswith("/") and "?" in text:
        text = text.split("?", 1)[0] + "?" + HIDDEN
    return SECRET.sub(HIDDEN, text)


class NoSecrets(logging.Filter):
    """Rewrites the record's arguments (uvicorn passes the request path as one of them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = SECRET.sub(HIDDEN, record.msg)
        return True


def _config() -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"no_secrets": {"()": NoSecrets}}
    for handler in config["handlers"].values():
        handler["filters"] = ["no_secrets"]
    # our own lines (a database away: one per kind and minute) in the same form as uvicorn's
    config["loggers"]["aftaleflow"] = {"handlers": ["default"], "level": "INFO",
                                       "propagate": False}
    return config


LOG_CONFIG = _config()
