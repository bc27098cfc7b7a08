"""deploy/: the systemd units, the environment file and the nginx site are real and agree.

systemd-analyze checks each unit as systemd would load it (with the install directory
/opt/aftaleflow pointed at this checkout); every command line parses with the real CLI; the
ports, the work pool and the body limit are the same everywhere.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.main import get_command

from aftaleflow.api.app import MAX_BODY
from aftaleflow.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def unit(name: str) -> ConfigParser:
    parser = ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def environment() -> dict[str, str]:
    lines = (DEPLOY / "aftaleflow.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
def test_systemd_units_load_without_warnings(tmp_path: Path) -> None:
    env_file = tmp_path / "aftaleflow.env"
    shutil.copy(DEPLOY / "aftaleflow.env", env_file)
    checked = []
    for path in UNITS:
        text = (path.read_text().replace("/opt/aftaleflow", str(ROOT))
                .replace("/etc/aftaleflow/aftaleflow.env", str(env_file)))
        target = tmp_path / path.name.replace("@.service", "@1.service")
        target.write_text(text)
        checked.append(str(target))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *checked],
                          capture_output=True, text=True, timeout=60)
    own = [line for line in done.stderr.splitlines() if str(tmp_path) in line]
    assert done.returncode == 0 and own == [], done.stderr
    assert len(checked) == 4


def test_every_unit_runs_a_command_of_this_checkout_that_parses() -> None:
    for path in UNITS:
        args = exec_start(path.name)
        assert args[0].startswith("/opt/aftaleflow/.venv/bin/"), path.name
        assert (ROOT / ".venv" / "bin" / Path(args[0]).name).exists(), args[0]
        if Path(args[0]).name == "aftaleflow":
            command = get_command(app).commands[args[1]]  # type: ignore[attr-defined]
            command.make_context(args[1], args[2:])  # raises on a wrong option


def test_prefect_command_lines_use_options_prefect_has() -> None:
    for name in ("aftaleflow-prefect-server.service", "aftaleflow-prefect-worker@.service"):
        args = exec_start(name)
        help_text = subprocess.run([sys.executable, "-m", "prefect", *args[1:3], "--help"],
                                   capture_output=True, text=True, timeout=120).stdout
        for arg in args[3:]:
            if arg.startswith("--"):
                assert arg in help_text, (name, arg)


def test_ports_pool_and_limits_agree_across_the_layout() -> None:
    api, server = exec_start("aftaleflow-api.service"), exec_start(
        "aftaleflow-prefect-server.service")
    worker, deployer = exec_start("aftaleflow-prefect-worker@.service"), exec_start(
        "aftaleflow-deployments.service")
    assert option(api, "--host") == option(server, "--host") == "127.0.0.1"
    assert int(option(api, "--workers")) >= 2
    assert option(worker, "--pool") == option(deployer, "--pool")
    env = environment()
    assert env["PREFECT_API_URL"] == f"http://127.0.0.1:{option(server, '--port')}/api"
    assert make_url(env["AFTALEFLOW_DATABASE_URL"]).drivername == "postgresql+psycopg"
    prefect_db = make_url(env["PREFECT_API_DATABASE_CONNECTION_URL"])
    assert prefect_db.drivername == "postgresql+asyncpg"
    assert prefect_db.database != make_url(env["AFTALEFLOW_DATABASE_URL"]).database
    nginx = (DEPLOY / "nginx" / "aftaleflow.conf").read_text()
    assert re.search(rf"server 127\.0\.0\.1:{option(api, '--port')};", nginx)
    assert re.search(r"listen 443 ssl;", nginx) and "return 301 https://" in nginx
    size = re.search(r"client_max_body_size (\d+)m;", nginx)
    assert size and int(size.group(1)) * 1024 * 1024 == MAX_BODY


# The processes that open a PostgreSQL connection: the API (our database), Prefect's server
# (its own), and the workers (the flows they run use ours).
NEEDS_POSTGRESQL = {"aftaleflow-api.service", "aftaleflow-prefect-server.service",
                    "aftaleflow-prefect-worker@.service"}


def test_units_that_need_postgresql_pull_it_in_as_well_as_start_after_it() -> None:
    """After= alone only orders: without Wants=/Requires= a boot that does not otherwise start
    PostgreSQL starts the API against no database."""
    for path in UNITS:
        section = unit(path.name)["Unit"]
        after = section.get("After", "").split()
        pulled = section.get("Wants", "").split() + section.get("Requires", "").split()
        needs = path.name in NEEDS_POSTGRESQL or "postgresql.service" in after
        if needs:
            assert "postgresql.service" in after, path.name
            assert "postgresql.service" in pulled, path.name
