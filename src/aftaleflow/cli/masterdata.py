"""`aftaleflow masterdata import`: a new version of the master-data files, previewed first."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, group, print_json, user_errors

masterdata_app = group("Stamdata: regioner, kommuner, klynger, sundhedsråd, organer og regler.",
                       "aftaleflow masterdata import ./stamdata-2027 --dry-run")


@masterdata_app.command("import")
@user_errors
def import_command(
    directory: Annotated[Path, typer.Argument(
        help="Mappe med de fem stamdatafiler (regions.yaml, municipalities.yaml, areas.yaml, "
             "bodies.yaml, approval_rules.yaml).")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Vis kun, hvad der ville ændres, og hvilke åbne sager det berører.")
    ] = False,
    effective: Annotated[str | None, typer.Option(
        "--from", help="Ændringerne gælder fra denne dag (standard i dag), ÅÅÅÅ-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON i stedet for tekst.")
                       ] = False,
) -> None:
    """Indlæs en ny version af stamdata; historikken overskrives aldrig.

    Kontrollerer alle filer først (fejl vises med fil, linje og felt, og intet indlæses).
    Et ændret medlemskab afsluttes dagen før ændringen, og en ny række begynder.

    Eksempel: aftaleflow masterdata import ./stamdata-2027 --dry-run
    """
    from aftaleflow.cli import output
    from aftaleflow.masterdata.files import FILES
    from aftaleflow.services.structure.masterdata_import import import_master_data

    if not directory.is_dir():
        raise fail(f"Mappen '{directory}' findes ikke.", 2)
    day = None
    if effective is not None:
        try:
            day = date.fromisoformat(effective)
        except ValueError:
            raise fail(f"Ugyldig dato for --from: '{effective[:20]}'. Brug ÅÅÅÅ-MM-DD.",
                       2) from None
    sources = {name: (directory / name).read_bytes() for name in FILES
               if (directory / name).is_file()}
    report = import_master_data(context(), sources, dry_run=dry_run, effective=day)
    if as_json:
        print_json(report)
    else:
        output.import_report(report, directory)
