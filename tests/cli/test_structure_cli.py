"""`aftaleflow structure carry-over` and `agreement show` across 1 January 2027, as run."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import env_for, run
from tests.conftest import Databases


def _ok(args: list[str], env: dict[str, str], today: str) -> str:
    result = run(args, {**env, "AFTALEFLOW_TODAY": today})
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def december_round(databases: Databases, template_db: str) -> dict[str, str]:
    """A Region Hovedstaden agreement waiting in the forum step since December 2026."""
    env = env_for(databases.create("cli_structure", template_db))
    _ok(["agreement", "create", "--title", "Den gode indlæggelse", "--region", "hovedstaden",
         "--kle", "29.30.08-P27-1-26", "--case-handler", "Ane Holm"], env, "2026-12-15")
    _ok(["agreement", "advance", "1", "send_til_ssu"], env, "2026-12-15")
    return env


def test_carry_over_dry_run_then_apply_then_nothing_left(december_round) -> None:
    env = december_round
    early = run(["structure", "carry-over", "--on", "2027-01-01"],
                {**env, "AFTALEFLOW_TODAY": "2026-12-20"})
    assert early.returncode == 2 and "kan først udføres den dag" in early.stderr
    assert "Traceback" not in early.stderr

    preview = _ok(["structure", "carry-over", "--on", "2027-01-01", "--dry-run"], env,
                  "2026-12-20")
    assert "Forhåndsvisning (intet ændret)" in preview
    assert "Region: Region Hovedstaden → Region Østdanmark" in preview

    shown = _ok(["agreement", "show", "1"], env, "2027-02-01")
    assert "Mulige handlinger: send_til_ssu" not in shown
    assert ("Ikke mulig nu: indstil_til_godkendelse (Forum (ikke fastlagt i stamdata) "
            "(foreløbig) indstiller aftalen til godkendelse) — ingen godkendende parter i "
            "stamdata 2027-02-01: Region Hovedstaden ophørte 2026-12-31, efterfølger Region "
            "Østdanmark — kør overførslen (aftaleflow structure carry-over --on 2027-01-01)"
            ) in shown
    # Only the commission, taken in 2026, still names the SSU.
    assert [line for line in shown.splitlines() if "SSU" in line] == [
        "  Oprindelse:     Bestilling fra SSU"]

    done = _ok(["structure", "carry-over", "--on", "2027-01-01"], env, "2027-02-01")
    assert "Udført" in done and "1 åbne sager berøres" in done
    again = _ok(["structure", "carry-over", "--on", "2027-01-01"], env, "2027-02-01")
    assert "Ingen åbne sager berøres; intet at overføre." in again

    shown = _ok(["agreement", "show", "1"], env, "2027-02-01")
    assert "Region:         Region Østdanmark" in shown
    assert ("Mulige handlinger: tilbage_til_udarbejdelse, indstil_til_godkendelse, "
            "tilbagetraek") in shown
    started = _ok(["agreement", "advance", "1", "indstil_til_godkendelse"], env, "2027-02-01")
    assert "0 af 47 godkendt" in started
    assert _ok(["audit", "verify"], env, "2027-02-01").count("intakt") == 1
