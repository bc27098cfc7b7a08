"""The overview lists at most 20 agreements over the deadline, the longest overdue first, and
links to the matrix filtered to all of them."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.web.conftest import log_in
from tests.web.test_finding import _copy_agreement

LINK = 'href="/ui/matrix?over_fristen=1&amp;sorter=frist"'


def _overdue_section(page: str) -> str:
    start = page.index('id="h-overdue"')
    return page[start:page.index("</section>", start)]


def _rows(section: str) -> list[str]:
    return re.findall(r'<li><a href="/ui/aftaler/(\d+)">', section)


def test_the_overview_caps_the_over_deadline_list_and_links_to_the_matrix(
        web, demo_world, demo_engine) -> None:
    log_in(web, demo_world.tokens["leder"])
    demo_late = len(_rows(_overdue_section(web.get("/ui/").text)))  # the demo's own
    _copy_agreement(demo_engine, demo_world.midt_open, 24)  # 25 alike in godkendelse
    with demo_engine.begin() as conn:  # every deadline passed; the original's longest ago
        conn.execute(text("UPDATE approval SET deadline = '2026-10-20' WHERE agreement_id IN "
                          "(SELECT id FROM agreement WHERE title LIKE 'Kopi %')"))
        conn.execute(text("UPDATE approval SET deadline = '2026-10-01' "
                          "WHERE agreement_id = :a"), {"a": demo_world.midt_open})
    section = _overdue_section(web.get("/ui/").text)
    rows = _rows(section)
    assert len(rows) == 20 and rows[0] == str(demo_world.midt_open)
    total = 25 + demo_late
    assert LINK in section and f"Vis alle {total} aftaler over fristen" in section
    matrix = web.get("/ui/matrix", params={"over_fristen": "1", "sorter": "frist"}).text
    assert f"{total} aftaler" in matrix


def test_a_short_over_deadline_list_is_shown_whole_with_the_same_link(
        web, demo_world, demo_engine) -> None:
    log_in(web, demo_world.tokens["leder"])
    before = _rows(_overdue_section(web.get("/ui/").text))
    with demo_engine.begin() as conn:
        conn.execute(text("UPDATE approval SET deadline = '2026-10-25' "
                          "WHERE agreement_id = :a"), {"a": demo_world.midt_open})
    section = _overdue_section(web.get("/ui/").text)
    assert sorted(_rows(section)) == sorted([*before, str(demo_world.midt_open)])
    assert LINK in section and "Vis alle" not in section
