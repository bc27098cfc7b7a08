"""The claim mapping: the README's example file maps as it says, and a broken file is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftaleflow.domain.access import Role
from aftaleflow.domain.claim_mapping import map_claims, parse_mapping
from aftaleflow.domain.errors import ValidationFailed

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "oidc-roller.yaml"


def test_the_shipped_example_maps_roles_and_a_council_body() -> None:
    mapping = parse_mapping(EXAMPLE.read_text(encoding="utf-8"))
    staff = map_claims(mapping, {"sub": "1", "name": "Ane", "roles": ["Aftaleflow.Sagsbehandler"]})
    assert staff is not None and staff.role == Role.CASE_HANDLER and staff.body_key is None
    part = map_claims(mapping, {"sub": "2", "name": "Karl", "roles": ["Aftaleflow.Part"],
                                "kommunekode": "621"})
    assert part is not None and part.role == Role.PARTY and part.body_key == "kb-621"
    assert map_claims(mapping, {"sub": "3", "roles": ["Aftaleflow.Part"]}) is None
    assert map_claims(mapping, {"sub": "4", "groups": ["andet"]}) is None
    assert "IT-servicedesk" in mapping.contact


def test_the_readme_shows_the_example_rules() -> None:
    readme = (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8")
    for line in ("{claim: roles, value: Aftaleflow.Sagsbehandler, role: sagsbehandler}",
                 'body: {claim: kommunekode, template: "kb-{value}"}'):
        assert line in readme and line in EXAMPLE.read_text(encoding="utf-8")


@pytest.mark.parametrize("text", ["roles: x", "roles: [{claim: a, value: b, role: konge}]",
                                  "roles: [{claim: a, value: b, role: part}]"])
def test_a_broken_mapping_is_refused_in_danish(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_mapping(text)


def test_the_readme_entra_settings_are_the_ones_read(monkeypatch) -> None:
    from aftaleflow.config import get_settings

    readme = (EXAMPLE.parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("AFTALEFLOW_BASE_URL=https://aftaleflow.region.example\n", 1)[1]
    block = block.split("```", 1)[0]
    for line in block.strip().splitlines():
        name, value = line.split("=", 1)
        monkeypatch.setenv(name, value.strip('"'))
    settings = get_settings()
    assert settings.oidc_enabled
    assert settings.oidc_issuer == "https://login.microsoftonline.com/<tenant-id>/v2.0"
    assert settings.oidc_scopes == "openid profile email"
    assert str(settings.oidc_claim_mapping) == "/etc/aftaleflow/oidc-roller.yaml"
