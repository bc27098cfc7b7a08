"""`aftaleflow archive N -o sag-N.zip` and `aftaleflow archive verify sag-N.zip`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from aftaleflow.cli.common import context, fail, user_errors, with_example


class _CaseOrCommand(TyperGroup):
    """`archive 3 ...` means `archive create 3 ...`; `archive verify ...` stays a command."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands:
            args = ["create", *args]
        return super().resolve_command(ctx, args)


archive_app = typer.Typer(
    cls=_CaseOrCommand, no_args_is_help=True, rich_markup_mode=None,
    help=with_example("Arkivpakke (BagIt, RFC 8493) for en sag, og kontrol af den.",
                      "aftaleflow archive 3 -o sag-3.zip; kontrol: aftaleflow archive verify "
                      "sag-3.zip"))

VERIFY_FAILED = 8


@archive_app.command("create")
@user_errors
def archive_create(
    agreement_id: int,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Zip-filen, der skrives (standard: sag-N.zip).")] = None,
) -> None:
    """Dan sagens arkivpakke: alle dokumenter, revisionsspor, godkendelser og tekstversioner.

    Samme sag giver samme bytes. Eksempel: aftaleflow archive 3 -o sag-3.zip
    """
    from aftaleflow.services.documents.archive import archive_case

    package = archive_case(context(), agreement_id)
    target = output or Path(package.name)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(package.data)
        tmp.replace(target)  # never a half-written package under the real name
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise fail(f"Kan ikke skrive {target}: mappen findes ikke, eller der mangler plads "
                   f"eller skriveadgang ({exc.strerror}). Intet er skrevet.", 7) from None
    typer.echo(f"Arkivpakke skrevet: {target} ({len(package.data)} bytes, "
               f"sha256 {package.sha256}).")


@archive_app.command("verify")
def archive_verify(package: Path) -> None:
    """Kontrollér en arkivpakke: zip, BagIt-manifester og revisionssporets hashes.

    Afslutter med kode 8 og en dansk forklaring, hvis noget er ændret.
    Eksempel: aftaleflow archive verify sag-3.zip
    """
    from aftaleflow.archive.verify import verify_package

    report = verify_package(package)
    if not report.ok:
        for problem in report.problems:
            typer.secho(f"Fejl: {problem}", fg=typer.colors.RED, err=True)
        raise typer.Exit(VERIFY_FAILED)
    typer.echo(f"Arkivpakken er gyldig: {report.files} filer stemmer med manifestet, og "
               f"revisionssporets {report.events} hændelser stemmer med deres hashes.")
