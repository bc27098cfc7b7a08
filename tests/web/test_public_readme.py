"""The README's section on the public pages names the parameters, addresses, commands,
setting and benchmark the code has."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from aftaleflow.api.app import create_app
from aftaleflow.cli.app import app as cli
from aftaleflow.services.reading.public import PAGE_SIZES
from aftaleflow.web import public
from aftaleflow.web.public import _PARAMS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Open to citizens and the press", 1)[1].split("\n## ", 1)[0]


def test_readme_names_every_filter_and_page_size_of_the_public_list() -> None:
    filters = SECTION.split("filters by", 1)[1].split("all in the address", 1)[0]
    assert re.findall(r"`([a-z_]+)`", filters) == list(_PARAMS)
    assert ", ".join(map(str, PAGE_SIZES[:-1])) + f" or {PAGE_SIZES[-1]}" in filters


def test_readme_addresses_are_routes_of_the_app() -> None:
    paths = set(create_app().openapi()["paths"]) | {r.path for r in public.router.routes}
    addresses = re.findall(r"`(?:PUT |POST )?(/(?:offentlig|agreements)/[^`? ]+)", SECTION)
    assert len(addresses) >= 8
    for address in addresses:
        route = address.replace("{id}", "{agreement_id}")
        assert route in paths, address


def test_readme_commands_of_the_public_section_exist() -> None:
    assert "aftaleflow agreement publish 3 --fra 2026-12-01" in SECTION
    assert "aftaleflow aktindsigt 3 --anmoder" in SECTION
    for command in (["agreement", "publish"], ["aktindsigt"]):
        assert CliRunner().invoke(cli, [*command, "--help"]).exit_code == 0


def test_readme_lists_the_public_benchmark_that_run_all_runs() -> None:
    assert "| p95 ≤ 200 ms, 0 errors |" in README
    assert '"bench_public.py"' in (ROOT / "bench" / "run_all.py").read_text(encoding="utf-8")
    assert "AFTALEFLOW_PUBLIC_CASE_HANDLER" in README
