"""`aftaleflow user ...` and `aftaleflow api`."""

from __future__ import annotations

from typing import Annotated

import typer

from aftaleflow.cli.common import context, group, user_errors

user_app = group("Brugere og API-tokens.")


@user_app.command("create")
@user_errors
def user_create(
    name: Annotated[str, typer.Argument(help="Brugerens navn.")],
    role: Annotated[str, typer.Option(
        help="sagsbehandler | udvalgssekretaer | leder | part | admin")],
    body: Annotated[str | None, typer.Option(
        help="For en part: organets nøgle, fx kb-657 (Herning Kommunes kommunalbestyrelse).")
    ] = None,
) -> None:
    """Opret en bruger og vis API-tokenet én gang (kun en hash gemmes).

    Eksempel: aftaleflow user create "Ane Holm" --role part --body kb-657
    """
    from aftaleflow.services.users import create_user

    user, token = create_user(context(), name, role, body)
    typer.echo(f"Bruger #{user.id} '{user.name}' oprettet med rollen {user.role_label}"
               + (f" for {user.body}" if user.body else "") + ".")
    typer.echo("API-token (vises kun nu; gem det sikkert):")
    typer.echo(token)


@user_app.command("list")
@user_errors
def user_list() -> None:
    """Vis brugere (uden tokens). Eksempel: aftaleflow user list"""
    from aftaleflow.services.users import list_users

    for u in list_users(context()):
        typer.echo(f"#{u.id:<4} {u.name:<30} {u.role_label:<34} {u.body or '-':<45} "
                   f"{u.token_hint}")


def serve_api(
    host: Annotated[str, typer.Option(help="Adresse; standard kun lokalt.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, help="Antal arbejdsprocesser (fx 4 på en regions fælles server).")] = 1,
) -> None:
    """Start REST-API'et (uvicorn). Dokumentation på /docs.

    Eksempel: aftaleflow api --port 8000 --workers 4
    """
    import uvicorn

    if workers > 1:  # each worker process builds its own app and engine from the environment
        uvicorn.run("aftaleflow.api.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="info")
        return
    from aftaleflow.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")
