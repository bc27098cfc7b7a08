"""The README's dashboard section names every matrix filter the route takes, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from aftaleflow.services.reading.matrix_page import PAGE_SIZES, SORTS
from aftaleflow.web.pages import matrix

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_matrix_url_lists_every_filter_of_the_route() -> None:
    url = re.search(r"`(/ui/matrix\?[^`]+)`", README)
    assert url, "the README shows a bookmarkable matrix URL"
    in_readme = set(re.findall(r"[?&]([a-z_]+)=", url.group(1)))
    params = set(matrix.__signature__.parameters) - {"request", "ctx"}  # type: ignore[attr-defined]
    assert in_readme == params


def test_readme_names_the_sort_keys_and_page_sizes() -> None:
    section = README.split("## Daily work on the dashboard", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{key}`" in section for key in SORTS)
    assert ", ".join(str(n) for n in PAGE_SIZES[:-1]) + " or 1000" in section
