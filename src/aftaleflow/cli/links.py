"""`aftaleflow link`: a party's answer links (list, revoke, send a new one)."""

from __future__ import annotations

from typing import Annotated

import typer

from aftaleflow.cli.common import context, group, user_errors

link_app = group("Svarlinks: partens link til beslutningen uden login (vis, tilbagekald, gensend).",
                 "aftaleflow link list 3")
Party = Annotated[str, typer.Argument(help="Part: kommunenavn, kommunekode eller organets nøgle.")]


@link_app.command("list")
@user_errors
def link_list(agreement_id: int, party: Party) -> None:
    """Partens svarlinks i den aktuelle runde (aldrig selve linket).

    Eksempel: aftaleflow link list 3 Kolding
    """
    from aftaleflow.services.access.answer_links import list_links

    for link in list_links(context(), agreement_id, party):
        typer.echo(f"{link.created_at:%Y-%m-%d %H:%M}  {link.status:<12}  {link.sent_to}")


@link_app.command("revoke")
@user_errors
def link_revoke(agreement_id: int, party: Party) -> None:
    """Tilbagekald partens åbne svarlinks i den aktuelle runde; de virker ikke fra nu af.

    Eksempel: aftaleflow link revoke 3 Kolding
    """
    from aftaleflow.services.access.answer_links import revoke_links

    count = revoke_links(context(), agreement_id, party)
    typer.echo(f"{count} svarlink(s) tilbagekaldt.")


@link_app.command("resend")
@user_errors
def link_resend(agreement_id: int, party: Party) -> None:
    """Tilbagekald partens links og send en ny anmodning med et nyt link (ved næste udsendelse).

    Eksempel: aftaleflow link resend 3 Kolding
    """
    from aftaleflow.services.access.answer_links import resend_link

    key = resend_link(context(), agreement_id, party)
    typer.echo(f"Ny anmodning med nyt svarlink lagt i udbakken ({key}).")
