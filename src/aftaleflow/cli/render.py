"""`aftaleflow render ...`: case documents as PDF/A, stored and registered, copied to -o."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aftaleflow.cli.common import context, group, user_errors

if TYPE_CHECKING:
    from aftaleflow.services.documents.case_documents import DocumentRecord

render_app = group("Dan dokumenter som PDF/A: dagsordener, referater og breve.",
                   "aftaleflow render agenda 1 --public -o dagsorden.pdf")
Output = Annotated[Path | None, typer.Option("-o", "--output",
                                             help="Kopiér PDF'en hertil.")]


def _report(record: DocumentRecord, output: Path | None) -> None:
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(record.path, output)
    typer.echo(f"{record.title}: {output or record.path}")
    typer.echo(f"  dokument #{record.id}, {record.size:,} bytes, sha256 {record.sha256}")


@render_app.command("agenda-item")
@user_errors
def agenda_item(item_id: int, output: Output = None) -> None:
    """Ét dagsordenpunkt. Eksempel: aftaleflow render agenda-item 3 -o punkt.pdf"""
    from aftaleflow.services.documents.case_documents import render_agenda_item

    _report(render_agenda_item(context(), item_id), output)


@render_app.command("agenda")
@user_errors
def agenda(meeting_id: int, public: Annotated[bool, typer.Option(
        "--public", help="Offentlig udgave: lukkede punkter kun med nummer og titel.")] = False,
           output: Output = None) -> None:
    """Samlet dagsorden med forside og indholdsfortegnelse.

    Eksempel: aftaleflow render agenda 1 --public -o dagsorden.pdf
    """
    from aftaleflow.services.documents.case_documents import render_agenda

    _report(render_agenda(context(), meeting_id, public=public), output)


@render_app.command("protocol")
@user_errors
def protocol(meeting_id: int, public: Annotated[bool, typer.Option("--public")] = False,
             output: Output = None) -> None:
    """Beslutningsprotokol efter mødet. Eksempel: aftaleflow render protocol 1 -o referat.pdf"""
    from aftaleflow.services.documents.case_documents import render_agenda

    _report(render_agenda(context(), meeting_id, public=public, protocol=True), output)


@render_app.command("letter")
@user_errors
def letter(
    kind: Annotated[str, typer.Argument(
        help="anmodning_om_godkendelse | rykker | eskalering | godkendelsesmeddelelse | "
             "meddelelse_om_afslag | anmodning_om_implementering")],
    agreement_id: int,
    party: Annotated[str | None, typer.Option(help="Parten (kommune, kode, organ).")] = None,
    cluster: Annotated[str | None, typer.Option(help="Klyngen (anmodning om implementering).")
                       ] = None,
    message: Annotated[str, typer.Option(help="Egen tekst i brevet (let Markdown).")] = "",
    output: Output = None,
) -> None:
    """Et brev om en aftale. Eksempel: aftaleflow render letter anmodning_om_godkendelse 1
    --party Herning -o anmodning.pdf"""
    from aftaleflow.services.documents.case_documents import render_letter

    _report(render_letter(context(), kind, agreement_id, party=party, cluster=cluster,
                          message=message), output)


@render_app.command("status-report")
@user_errors
def status_report(output: Output = None) -> None:
    """Statusrapport til ledere. Eksempel: aftaleflow render status-report -o status.pdf"""
    from aftaleflow.services.documents.case_documents import render_status_report

    _report(render_status_report(context()), output)


@render_app.command("drafts")
@user_errors
def drafts(agreement_id: int) -> None:
    """Vis hver parts udkast til dagsordenpunkt (PDF og Word), dannet med anmodningerne om
    godkendelse. Eksempel: aftaleflow render drafts 1"""
    from aftaleflow.services.documents.case_documents import party_drafts

    listed = party_drafts(context(), agreement_id)
    if not listed:
        typer.echo("Ingen udkast endnu: de dannes med hver anmodning om godkendelse.")
    for party in listed:
        typer.echo(f"{party.party} ({party.body_key}):")
        for record in party.documents:
            typer.echo(f"  #{record.id:<5} {record.suffix[1:]:<5} {record.path}  "
                       f"sha256 {record.sha256[:16]}")
