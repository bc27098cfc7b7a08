"""While the CLI starts, cyclic garbage is collected rarely; the command's work runs with
Python's own thresholds, what start-up made frozen out of the collector's way."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from aftaleflow.cli import app, common


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)
    gc.unfreeze()
    common._thresholds = None


def test_start_up_collects_rarely_and_the_service_context_restores_pythons_thresholds(
        thresholds: tuple[int, int, int]) -> None:
    common.starting()
    assert gc.get_threshold() == (common.START_UP_COLLECTION_EVERY, *thresholds[1:])
    frozen = gc.get_freeze_count()
    common.context()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() > frozen


def test_a_command_that_makes_no_service_context_ends_with_pythons_thresholds(
        thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["aftaleflow", "--help"])
    with pytest.raises(SystemExit):
        app.main()
    assert "agreement" in capsys.readouterr().out
    assert gc.get_threshold() == thresholds


class Seen(Exception):
    """Raised where a long-running command would start its work, with the thresholds then."""


@pytest.mark.parametrize("command", ["api", "serve", "deploy"])
def test_long_running_commands_run_with_pythons_thresholds(
        command: str, thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    import flows.common
    from aftaleflow.cli import admin
    from aftaleflow.cli import flows as flow_commands

    def stop(*args: object, **kwargs: object) -> None:
        raise Seen(gc.get_threshold())

    monkeypatch.setattr(uvicorn, "run", stop)  # where the server would start
    monkeypatch.setattr(flows.common, "configure_prefect", stop)  # where Prefect would
    function = {"api": admin.serve_api, "serve": flow_commands.serve,
                "deploy": flow_commands.deploy}[command]
    common.starting()
    with pytest.raises(Seen) as seen:
        function()
    assert seen.value.args[0] == thresholds
