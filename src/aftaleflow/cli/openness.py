"""`aftaleflow agreement publish N` and `aftaleflow aktindsigt N -o sag-N.zip`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, user_errors


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{field} skal være en dato (ÅÅÅÅ-MM-DD), ikke '{value}'.", 2) from None


@user_errors
def agreement_publish(
    agreement_id: int,
    from_date: Annotated[str | None, typer.Option(
        "--fra", help="Offentlig fra denne dato (ÅÅÅÅ-MM-DD).")] = None,
    never: Annotated[bool, typer.Option("--aldrig", help="Aldrig offentlig.")] = False,
    at_recommendation: Annotated[bool, typer.Option(
        "--ved-indstilling", help="Offentlig fra indstilling til godkendelse (standard).")
    ] = False,
) -> None:
    """Bestem, hvornår aftalen vises på de offentlige sider (/offentlig/).

    Eksempel: aftaleflow agreement publish 3 --fra 2026-12-01 (eller --aldrig, --ved-indstilling)
    """
    from aftaleflow.services.agreements.publication import set_publication

    chosen = [x for x, on in (("fra_dato", from_date is not None), ("aldrig", never),
                              ("ved_indstilling", at_recommendation)) if on]
    if len(chosen) != 1:
        raise fail("Vælg præcis én af --fra DATO, --aldrig og --ved-indstilling.", 2)
    view = set_publication(context(), agreement_id, chosen[0], _day(from_date, "--fra"))
    shown = "vises nu" if view.public_now else "vises ikke nu"
    typer.echo(f"Samarbejdsaftale {agreement_id}: {view.label} ({shown} på /offentlig/).")


@user_errors
def aktindsigt(
    agreement_id: int,
    requester: Annotated[str, typer.Option("--anmoder", help="Hvem der har bedt om aktindsigt.")],
    received: Annotated[str | None, typer.Option(
        "--modtaget", help="Dagen anmodningen blev modtaget (standard: i dag).")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Zip-filen, der skrives (standard: sag-N-aktindsigt.zip).")
    ] = None,
) -> None:
    """Dan en aktindsigtspakke: det, der kan udleveres, og en liste over det undtagne med
    lovhenvisning. Anmodningen registreres i revisionssporet. Kontrollér pakken med
    aftaleflow archive verify.

    Eksempel: aftaleflow aktindsigt 3 --anmoder "Jens Hansen" --modtaget 2026-12-01 -o sag-3.zip
    """
    from aftaleflow.services.documents.aktindsigt import AktindsigtRequest, aktindsigt_case

    ctx = context()
    day = _day(received, "--modtaget") or ctx.now().date()
    package = aktindsigt_case(ctx, agreement_id, AktindsigtRequest(requester, day))
    target = output or Path(package.name)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(package.data)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise fail(f"Kan ikke skrive {target}: mappen findes ikke, eller der mangler plads "
                   f"eller skriveadgang ({exc.strerror}). Anmodningen er registreret; kør "
                   "kommandoen igen med en anden fil.", 7) from None
    typer.echo(f"Aktindsigtspakke skrevet: {target} ({len(package.data)} bytes, sha256 "
               f"{package.sha256}). Undtaget: {len(package.withheld)}.")
    for w in package.withheld:
        typer.echo(f"  - {w.what}: {w.paragraph}")
