"""`aftaleflow body ...`: an administrator's committees (fagudvalg, udvalg) without a release."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, group, print_json, user_errors

body_app = group("Organer: tilføj og nedlæg udvalg (fagudvalg, udvalg) uden ny version.",
                 "aftaleflow body list --kind fagudvalg")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"Ugyldig dato '{value[:30]}'. Brug fx 2021-01-01.", 2) from None


@body_app.command("add")
@user_errors
def body_add(
    key: Annotated[str, typer.Argument(help="Nøgle, fx fou-657.")],
    name: Annotated[str, typer.Option(help="Fulde navn, fx Forebyggelsesudvalget.")],
    short_name: Annotated[str, typer.Option("--short", help="Forkortelse, fx FOU.")],
    kind: Annotated[str, typer.Option(
        help="fagudvalg | udvalg | direktion")] = "fagudvalg",
    valid_from: Annotated[str, typer.Option(help="Gælder fra, fx 2018-01-01.")] = "2000-01-01",
    municipality: Annotated[str | None, typer.Option(
        help="Kommunen (kode eller navn), fx Herning.")] = None,
    region: Annotated[str | None, typer.Option(help="Regionen, fx midtjylland.")] = None,
    email: Annotated[str | None, typer.Option(help="Sekretariatets e-mail.")] = None,
) -> None:
    """Tilføj et udvalg. Eksempel: aftaleflow body add fou-657 --name Forebyggelsesudvalget
    --short FOU --municipality Herning --valid-from 2018-01-01"""
    from aftaleflow.services.structure.bodies import NewBody, add_body

    b = add_body(context(), NewBody(key=key, name=name, short_name=short_name, kind=kind,
                                    valid_from=_day(valid_from), municipality=municipality,
                                    region=region, email=email))
    typer.echo(f"Organ '{b.key}' oprettet: {b.name} ({b.short_name}), {b.kind}, "
               f"gælder fra {b.valid_from}.")


@body_app.command("end")
@user_errors
def body_end(
    key: Annotated[str, typer.Argument(help="Organets nøgle, fx fou-657.")],
    valid_to: Annotated[str, typer.Option(help="Sidste gyldige dag, fx 2025-12-31.")],
) -> None:
    """Nedlæg et udvalg (det bevares i historikken). Eksempel: aftaleflow body end fou-657
    --valid-to 2025-12-31"""
    from aftaleflow.services.structure.bodies import end_body

    b = end_body(context(), key, _day(valid_to))
    typer.echo(f"Organ '{b.key}' ({b.name}) gælder til og med {b.valid_to}.")


@body_app.command("list")
@user_errors
def body_list(
    kind: Annotated[str | None, typer.Option(help="Kun denne type, fx fagudvalg.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Gældende denne dag.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Vis organer gældende i dag (eller --date). Eksempel: aftaleflow body list --kind
    fagudvalg"""
    from aftaleflow.services.structure.reading import list_bodies

    bodies = list_bodies(context(), _day(on) if on else None, kind)
    if as_json:
        print_json(bodies)
        return
    for b in bodies:
        typer.echo(f"{b.key:<24} {b.short_name or '':<8} {b.name}  ({b.kind})")
