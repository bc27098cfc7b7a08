"""Roles and what each may do: one table, read by the services (so CLI and API agree),
by the API's OpenAPI descriptions, and by the README.

`part` is a representative bound to one body (a kommunalbestyrelse or the regionsråd): it may
read only the agreements that concern that body and record only that body's decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CASE_HANDLER = "sagsbehandler"
    CLERK = "udvalgssekretaer"
    MANAGER = "leder"
    PARTY = "part"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.CASE_HANDLER: "Sagsbehandler",
    Role.CLERK: "Udvalgssekretær",
    Role.MANAGER: "Leder",
    Role.PARTY: "Part (repræsentant for ét organ)",
    Role.ADMIN: "Administrator",
}

_ALL = frozenset(Role)
_STAFF = frozenset({Role.CASE_HANDLER, Role.CLERK, Role.MANAGER, Role.ADMIN})

# action -> roles allowed. `part` rows are further limited to the part's own body.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "masterdata.read": _ALL,
    "agreement.read": _ALL,
    "agreement.create": frozenset({Role.CASE_HANDLER, Role.ADMIN}),
    "agreement.advance": frozenset({Role.CASE_HANDLER, Role.ADMIN}),
    "approval.record": frozenset({Role.CASE_HANDLER, Role.CLERK, Role.PARTY, Role.ADMIN}),
    "implementation.record": frozenset({Role.CASE_HANDLER, Role.ADMIN}),
    "meeting.read": _STAFF,
    "meeting.write": frozenset({Role.CLERK, Role.ADMIN}),
    "document.read": _STAFF,
    "document.write": frozenset({Role.CLERK, Role.ADMIN}),
    "status.read": _ALL,
    "audit.verify": frozenset({Role.MANAGER, Role.ADMIN}),
    "user.admin": frozenset({Role.ADMIN}),
    "masterdata.admin": frozenset({Role.ADMIN}),
    "feed.own": _ALL,
}

ACTION_LABELS = {
    "masterdata.read": "læse stamdata",
    "agreement.read": "læse samarbejdsaftaler",
    "agreement.create": "oprette samarbejdsaftaler",
    "agreement.advance": "føre samarbejdsaftaler videre",
    "approval.record": "registrere beslutninger",
    "implementation.record": "registrere implementering",
    "meeting.read": "se møder og dagsordener",
    "meeting.write": "oprette møder og dagsordenpunkter",
    "document.read": "hente dokumenter",
    "document.write": "danne dokumenter",
    "status.read": "se status",
    "audit.verify": "kontrollere revisionssporet",
    "user.admin": "administrere brugere",
    "masterdata.admin": "indlæse stamdata",
    "feed.own": "lave sin egen kalendernøgle",
}


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user with a role, or the local operator (full rights)."""

    name: str
    role: Role
    user_id: int | None = None
    body_id: int | None = None

    def may(self, action: str) -> bool:
        return self.role in PERMISSIONS[action]


LOCAL_OPERATOR = Principal(name="lokal", role=Role.ADMIN)


def role_table_markdown() -> str:
    """The permission table as Markdown, for the README (a test keeps the two equal)."""
    roles = list(Role)
    lines = ["| handling | " + " | ".join(r.value for r in roles) + " |",
             "|---|" + "---|" * len(roles)]
    for action, allowed in PERMISSIONS.items():
        marks = " | ".join("ja" if r in allowed else "-" for r in roles)
        lines.append(f"| {action} ({ACTION_LABELS[action]}) | {marks} |")
    return "\n".join(lines)
