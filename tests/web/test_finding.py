"""Finding things on the dashboard: search from every page, filters in bookmarkable URLs, and
paging and sorting through 1,000 agreements."""

from __future__ import annotations

import re

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tests.web.conftest import DemoWorld, log_in

SYD_KLE = "29.30.08-P27-7-26"  # the demo's "Den gode indlæggelse og udskrivelse"


def test_search_box_on_every_page_finds_by_a_word_and_by_kle_number(web, demo_world) -> None:
    log_in(web, demo_world.tokens["leder"])
    for path in ("/ui/", "/ui/matrix", "/ui/kalender", "/ui/livscyklus", "/ui/moeder",
                 f"/ui/aftaler/{demo_world.renegotiation}"):
        assert 'role="search"' in web.get(path).text and 'action="/ui/soeg"' in web.get(path).text
    by_word = web.get("/ui/soeg", params={"q": "udskrivelsen"}).text  # stemmed: udskrivelse
    assert f'href="/ui/aftaler/{demo_world.renegotiation}">Den gode indlæggelse' in by_word
    by_kle = web.get("/ui/soeg", params={"q": SYD_KLE}).text
    assert f'href="/ui/aftaler/{demo_world.renegotiation}">Den gode indlæggelse' in by_kle
    matrix = web.get("/ui/matrix", params={"kle": SYD_KLE}).text
    assert "1 aftaler" in matrix and "Den gode indlæggelse" in matrix


def test_filters_live_in_the_url_so_a_bookmark_shows_the_same(web, demo_world) -> None:
    log_in(web, demo_world.tokens["leder"])
    url = "/ui/matrix?sagsbehandler=jens+lund&tilstand=genforhandling&sorter=titel"
    first = web.get(url).text
    assert "1 aftaler" in first and "Den gode indlæggelse" in first
    assert 'value="jens lund"' in first and '<option value="titel" selected>' in first
    assert web.get(url).text.count("<tr>") == first.count("<tr>")
    csv = web.get(url.replace("/ui/matrix", "/ui/matrix.csv")).text
    assert len(csv.strip().splitlines()) == 2  # the export takes the same filters


def test_over_the_deadline_and_my_council_filters(web, demo_world, demo_engine) -> None:
    log_in(web, demo_world.tokens["part"])  # Herning, a party to the open Midtjylland case
    mine = web.get("/ui/matrix?mine=1").text
    assert f"#{demo_world.midt_open} " in mine and "1 aftaler" in mine
    assert "0 aftaler" in web.get("/ui/matrix?over_fristen=1").text  # 26 Oct: in time
    with demo_engine.begin() as conn:  # the deadline passed yesterday
        conn.execute(text("UPDATE approval SET deadline = '2026-10-25' "
                          "WHERE agreement_id = :a"), {"a": demo_world.midt_open})
    late = web.get("/ui/matrix?over_fristen=1").text
    # the cell's words for a passed deadline (issue 20, rule 2: one cell everywhere)
    assert f"#{demo_world.midt_open} " in late and "over fristen 25.10.2026" in late


def _copy_agreement(engine: Engine, source: int, copies: int) -> None:
    """`copies` more agreements like `source` with its current round, in plain SQL."""
    names = inspect(engine)
    agreement_cols = [c["name"] for c in names.get_columns("agreement") if c["name"] != "id"]
    approval_cols = [c["name"] for c in names.get_columns("approval")
                     if c["name"] not in ("id", "agreement_id")]
    cols, acols = ", ".join(agreement_cols), ", ".join(approval_cols)
    with engine.begin() as conn:
        for n in range(copies):
            new_id = conn.execute(text(
                f"INSERT INTO agreement ({cols}) SELECT {cols} FROM agreement WHERE id = :s "
                "RETURNING id"), {"s": source}).scalar_one()
            conn.execute(text(f"INSERT INTO approval (agreement_id, {acols}) SELECT :n, "
                              f"{acols} FROM approval WHERE agreement_id = :s"),
                         {"n": new_id, "s": source})
            conn.execute(text("UPDATE agreement SET title = :t WHERE id = :n"),
                         {"t": f"Kopi {n + 1:04d}", "n": new_id})


def test_matrix_pages_and_sorts_through_1000_agreements(web, demo_world: DemoWorld,
                                                        demo_engine) -> None:
    existing = 4
    _copy_agreement(demo_engine, demo_world.midt_open, 1000 - existing)
    log_in(web, demo_world.tokens["leder"])
    first = web.get("/ui/matrix").text
    assert "1000 aftaler, side 1 af 20" in first
    assert len(re.findall(r'<tr><th scope="row">', first)) == 50
    seen: set[str] = set()
    url: str | None = "/ui/matrix"
    while url:
        html = web.get(url).text
        seen |= set(re.findall(r'<th scope="row"><a href="/ui/aftaler/(\d+)"', html))
        following = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert len(seen) == 1000
    by_title = web.get("/ui/matrix?sorter=titel&faldende=1&pr_side=25").text
    titles = re.findall(r'<a href="/ui/aftaler/\d+">#\d+ ([^<]+)</a>', by_title)
    assert len(titles) == 25 and titles[-1] == "Kopi 0974"  # page 1: all in Midtjylland
    assert titles == sorted(titles, key=str.casefold, reverse=True)
    last = web.get("/ui/matrix?side=20&sorter=nr").text
    assert "side 20 af 20" in last and 'rel="prev"' in last and 'rel="next"' not in last


def test_a_page_read_with_its_own_cells_equals_the_slice_of_the_whole_matrix(
        demo_engine, demo_world: DemoWorld) -> None:
    from aftaleflow.services.reading.matrix_page import MatrixQuery, filtered_matrix, matrix_page
    from aftaleflow.services.uow import ServiceContext
    from tests.web.conftest import web_clock

    _copy_agreement(demo_engine, demo_world.midt_open, 60)
    ctx = ServiceContext(engine=demo_engine, actor="t", clock=web_clock())
    for query in (MatrixQuery(sort="titel", per_page=25, page=2),
                  MatrixQuery(sort="frist", descending=True, per_page=25, page=3),
                  MatrixQuery(region="midtjylland", per_page=25, page=1)):
        whole = filtered_matrix(ctx, query)
        start = (query.page - 1) * query.per_page
        assert matrix_page(ctx, query).rows == whole[start:start + query.per_page]
