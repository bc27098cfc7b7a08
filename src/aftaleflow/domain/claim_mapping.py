"""From an identity provider's claims to a role and, for a part, a body: data, not code.

The mapping is a YAML file the region keeps under version control (AFTALEFLOW_OIDC_CLAIM_MAPPING):

    version: 1
    contact: "Regionens IT-servicedesk, it@region.example"   # whom an unmapped person asks
    name_claims: [name, preferred_username, email]
    roles:                       # the first rule that matches wins
      - {claim: groups, value: "aftaleflow-sagsbehandlere", role: sagsbehandler}
      - {claim: roles, value: "Aftaleflow.Part", role: part,
         body: {claim: kommunekode, template: "kb-{value}"}}

A person whose claims match no rule is refused; nobody gets more than the rule gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from aftaleflow.domain.access import Role
from aftaleflow.domain.errors import ValidationFailed

_BODY_VALUE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


@dataclass(frozen=True)
class BodyRule:
    claim: str
    template: str


@dataclass(frozen=True)
class RoleRule:
    claim: str
    value: str
    role: Role
    body: BodyRule | None = None


@dataclass(frozen=True)
class ClaimMapping:
    version: int
    contact: str
    name_claims: tuple[str, ...]
    rules: tuple[RoleRule, ...]


@dataclass(frozen=True)
class MappedUser:
    name: str
    role: Role
    body_key: str | None


def parse_mapping(text: str, source: str = "mapping") -> ClaimMapping:
    """The mapping file, checked; a broken file is a Danish error naming what is wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"{source}: kan ikke læses som YAML ({exc}).") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("roles"), list):
        raise ValidationFailed(f"{source}: skal have 'roles' (en liste af regler).")
    rules = []
    for number, item in enumerate(raw["roles"], 1):
        rules.append(_rule(item, f"{source}: regel {number}"))
    names = raw.get("name_claims") or ["name", "preferred_username", "email"]
    return ClaimMapping(version=int(raw.get("version", 1)),
                        contact=str(raw.get("contact") or "din lokale administrator"),
                        name_claims=tuple(str(n) for n in names), rules=tuple(rules))


def _rule(item: Any, where: str) -> RoleRule:
    if not isinstance(item, dict) or not {"claim", "value", "role"} <= set(item):
        raise ValidationFailed(f"{where}: skal have claim, value og role.")
    try:
        role = Role(item["role"])
    except ValueError:
        raise ValidationFailed(f"{where}: ukendt rolle '{item['role']}'. Mulige: "
                               f"{', '.join(r.value for r in Role)}.") from None
    body = item.get("body")
    if (role == Role.PARTY) != (body is not None):
        raise ValidationFailed(f"{where}: en part skal have 'body' (og kun en part).")
    body_rule = None
    if body is not None:
        if not isinstance(body, dict) or "claim" not in body or "{value}" not in str(
                body.get("template", "")):
            raise ValidationFailed(f"{where}: body skal have claim og en template med {{value}}.")
        body_rule = BodyRule(str(body["claim"]), str(body["template"]))
    return RoleRule(str(item["claim"]), str(item["value"]), role, body_rule)


def map_claims(mapping: ClaimMapping, claims: dict[str, Any]) -> MappedUser | None:
    """The role (and body) the first matching rule gives, or None: not mapped."""
    name = next((str(claims[c]) for c in mapping.name_claims if claims.get(c)), None)
    name = name or str(claims.get("sub", ""))
    for rule in mapping.rules:
        values = claims.get(rule.claim)
        values = values if isinstance(values, list) else [values]
        if rule.value not in [str(v) for v in values if v is not None]:
            continue
        if rule.body is None:
            return MappedUser(name[:200], rule.role, None)
        value = claims.get(rule.body.claim)
        if value is None or not _BODY_VALUE.match(str(value)):
            continue
        return MappedUser(name[:200], rule.role, rule.body.template.format(value=value))
    return None
