"""`aftaleflow search` and `aftaleflow export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, user_errors


@user_errors
def search_command(
    query: Annotated[str, typer.Argument(help="Søgeord; alle ord skal findes, i enhver bøjning.")],
    limit: Annotated[int, typer.Option(help="Højst så mange resultater.")] = 20,
) -> None:
    """Fritekstsøgning i aftaler, dagsordenpunkter og dokumenter.

    Eksempel: aftaleflow search "udskrivelse"
    """
    from aftaleflow.services.reading.search import search

    hits = search(context(), query, limit=limit)
    if not hits:
        typer.echo("Ingen resultater.")
    for hit in hits:
        ref = f"aftale #{hit.agreement_id}" if hit.agreement_id else "-"
        typer.echo(f"{hit.kind_label:<17} {hit.title}  ({ref})")
        if hit.snippet:
            typer.echo(f"    {hit.snippet}")


@user_errors
def export_command(
    what: Annotated[str, typer.Argument(help="matrix | agreements")],
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx | json")] = "csv",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Fil; ellers stdout.")
                      ] = None,
    region: Annotated[str | None, typer.Option(help="Kun én region.")] = None,
) -> None:
    """Eksportér statusmatrix eller aftaleliste som CSV, XLSX eller JSON.

    Eksempel: aftaleflow export matrix --format xlsx -o status.xlsx
    """
    from aftaleflow.services.reading.exports import FORMATS, export

    if what not in ("matrix", "agreements"):
        raise fail("Vælg 'matrix' eller 'agreements'.", 2)
    if fmt not in FORMATS:
        raise fail(f"Ukendt format '{fmt[:20]}'. Mulige: {', '.join(FORMATS)}.", 2)
    data = export(context(), what, fmt, region=region)  # type: ignore[arg-type]
    if output is None:
        if fmt == "xlsx":
            raise fail("XLSX skal skrives til en fil: brug -o FIL.xlsx.", 2)
        typer.echo(data.decode("utf-8-sig"), nl=False)
        return
    output.write_bytes(data)
    typer.echo(f"Skrevet: {output} ({len(data):,} bytes)")
