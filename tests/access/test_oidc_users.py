"""A person signed in with OpenID Connect gets exactly what the mapping gives, each time."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from aftaleflow.domain.model import AuditEvent, User
from aftaleflow.services.access import oidc
from aftaleflow.services.access.sessions import session_principal

ISSUER = "http://127.0.0.1:9999"
MAPPING = """\
version: 1
contact: "IT-servicedesk"
roles:
  - {claim: roles, value: Admin, role: admin}
  - {claim: roles, value: Leder, role: leder}
  - {claim: roles, value: Part, role: part, body: {claim: kommunekode, template: "kb-{value}"}}
"""


@pytest.fixture(autouse=True)
def mapping(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "roller.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    monkeypatch.setenv("AFTALEFLOW_OIDC_CLAIM_MAPPING", str(path))


def test_a_changed_claim_changes_the_role_at_the_next_sign_in(ctx, engine, clock) -> None:
    key, who = oidc.sign_in(ctx, ISSUER, {"sub": "s1", "name": "Ane", "roles": ["Admin"]})
    assert who.role == "admin" and session_principal(engine, key, clock()) is not None
    _key, again = oidc.sign_in(ctx, ISSUER, {"sub": "s1", "name": "Ane", "roles": ["Leder"]})
    assert again.role == "leder" and again.user_id == who.user_id
    with Session(engine) as s:
        users = s.exec(select(User).where(User.oidc_subject == f"{ISSUER}|s1")).all()
        triggers = [e.trigger for e in s.exec(select(AuditEvent).where(
            AuditEvent.entity == "user", AuditEvent.entity_id == who.user_id))]
    assert len(users) == 1 and users[0].role == "leder"
    assert triggers == ["opret_bruger", "log_ind", "skift_rolle", "log_ind"]


def test_a_council_claim_binds_the_part_to_its_body_and_nothing_else(ctx) -> None:
    _key, who = oidc.sign_in(ctx, ISSUER, {"sub": "k", "name": "Karl", "roles": ["Part"],
                                           "kommunekode": "657"})
    assert who.role == "part" and who.body_id is not None
    with pytest.raises(oidc.NotMapped, match="findes ikke i stamdata"):
        oidc.sign_in(ctx, ISSUER, {"sub": "x", "roles": ["Part"], "kommunekode": "999"})


def test_a_person_the_mapping_no_longer_names_is_refused(ctx) -> None:
    oidc.sign_in(ctx, ISSUER, {"sub": "s2", "name": "Bo", "roles": ["Leder"]})
    with pytest.raises(oidc.NotMapped, match="Bed IT-servicedesk"):
        oidc.sign_in(ctx, ISSUER, {"sub": "s2", "name": "Bo", "roles": []})
