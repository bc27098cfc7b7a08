"""`aftaleflow structure ...`: carrying open cases over a change of the governance structure."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, group, print_json, user_errors

structure_app = group("Strukturændringer: overfør åbne sager til efterfølgerne i stamdata.",
                      "aftaleflow structure carry-over --on 2027-01-01 --dry-run")


@structure_app.command("carry-over")
@user_errors
def carry_over_command(
    on: Annotated[str, typer.Option("--on", help="Dagen strukturen skifter, ÅÅÅÅ-MM-DD.")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Vis hvad der ville blive overført; ændr intet.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv JSON.")] = False,
) -> None:
    """Overfør åbne sager til efterfølgerne (region, organer, områder) pr. en dato.

    Afventende godkendelser hos et organ, der ophører, overgår til efterfølgeren med samme
    frist; implementering i en nedlagt klynge fortsætter i efterfølgende område(r); trufne
    beslutninger bevares. Kan køres igen uden at ændre noget.

    Eksempel: aftaleflow structure carry-over --on 2027-01-01 --dry-run
    """
    from aftaleflow.services.structure.carryover import carry_over, plan_carry_over

    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise fail(f"Ugyldig dato for --on: '{on[:20]}'. Brug ÅÅÅÅ-MM-DD.", 2) from None
    report = plan_carry_over(context(), day) if dry_run else carry_over(context(), day)
    if as_json:
        print_json(report)
        return
    for line in report.lines():
        typer.echo(line)
