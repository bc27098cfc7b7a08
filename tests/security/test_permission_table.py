"""One permission table: the lifecycle page, the dashboard's buttons, the API and the README
all say what `domain.access.PERMISSIONS` says, for every role and every action."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from aftaleflow.domain.access import PERMISSIONS, ROLE_LABELS, Role, role_table_markdown
from aftaleflow.domain.machines import MACHINES
from tests.api.conftest import auth
from tests.web.conftest import log_in

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _labels(action: str) -> str:
    return ", ".join(ROLE_LABELS[r] for r in Role if r in PERMISSIONS[action])


def test_every_machine_takes_its_roles_from_the_table() -> None:
    for spec in MACHINES.values():
        for t in spec.transitions:
            expected = set() if t.automatic else set(PERMISSIONS[spec.permission])
            assert spec.roles_for(t.trigger) == expected, (spec.name, t.trigger)


def test_lifecycle_page_shows_the_roles_of_the_table(shared_client, world) -> None:
    from fastapi.testclient import TestClient

    browser = log_in(TestClient(shared_client.app), world.tokens["leder"])
    text = browser.get("/ui/livscyklus").text
    for spec in MACHINES.values():
        section = text.split(f'id="h-{spec.name}"', 1)[1].split("</section>", 1)[0]
        cells = [html.unescape(c) for c in re.findall(r'<td class="who"[^>]*>([^<]*)</td>',
                                                        section)]
        expected = ["Systemet (automatisk)" if t.automatic else _labels(spec.permission)
                    for t in spec.transitions]
        assert cells == expected, spec.name
    # the mismatch that was: a part may not record implementation, on the page as in the API
    assert ROLE_LABELS[Role.PARTY] not in _labels("implementation.record")


def test_readme_table_is_the_table_cell_by_cell() -> None:
    assert role_table_markdown() in README
    rows = {line.split(" (", 1)[0].strip("| "): line for line in README.splitlines()
            if line.startswith("| ") and "(" in line}
    for action, allowed in PERMISSIONS.items():
        cells = [c.strip() for c in rows[action].strip("|").split("|")[1:]]
        assert cells == ["ja" if r in allowed else "-" for r in Role], action


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_api_and_dashboard_buttons_follow_the_table_for_machine_actions(
        role, client, world) -> None:
    """For each role: the API's answer and the buttons agree with the table, per machine."""
    from fastapi.testclient import TestClient

    browser = log_in(TestClient(client.app), world.tokens[role])
    may_impl = Role(role) in PERMISSIONS["implementation.record"]
    syd = browser.get(f"/ui/aftaler/{world.syd}").text
    assert (f"/ui/aftaler/{world.syd}/klynger/" in syd) == may_impl
    midt = browser.get(f"/ui/aftaler/{world.midt}").text
    assert (f"/ui/aftaler/{world.midt}/handling/" in midt) == (
        Role(role) in PERMISSIONS["agreement.advance"])
    decision = re.compile(rf'/ui/aftaler/{world.midt}/parter/[^/"]+/'
                          r'(dagsorden|godkendt|afvist|udsat|genoptaget)"')
    assert bool(decision.search(midt)) == (Role(role) in PERMISSIONS["approval.record"])
    answer = client.post(f"/agreements/{world.syd}/implementations/sundhedsklynge-lillebaelt",
                         json={"status": "i_gang"}, headers=auth(world.tokens[role]))
    assert (answer.status_code == 200) == may_impl, answer.text
    assert answer.status_code in (200, 403)
