"""`aftaleflow user ...` and `aftaleflow api`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from aftaleflow.cli.common import context, fail, group, started, user_errors

if TYPE_CHECKING:
    from aftaleflow.services.access.users import UserView

user_app = group("Brugere, API-tokens (udløb, tilbagekald, fornyelse) og kalendernøgler.",
                 'aftaleflow user create "Ane Holm" --role part --body kb-657')
UserRef = Annotated[str, typer.Argument(help="Brugerens navn eller nummer (se 'user list').")]
Days = Annotated[int | None, typer.Option(
    help="Dage tokenet gælder; standard AFTALEFLOW_TOKEN_DAYS (90).")]


@user_app.command("create")
@user_errors
def user_create(
    name: Annotated[str, typer.Argument(help="Brugerens navn.")],
    role: Annotated[str, typer.Option(
        help="sagsbehandler | udvalgssekretaer | leder | part | admin")],
    body: Annotated[str | None, typer.Option(
        help="For en part: organets nøgle, fx kb-657 (Herning Kommunes kommunalbestyrelse).")
    ] = None,
    days: Days = None,
) -> None:
    """Opret en bruger og vis API-tokenet én gang (kun en hash gemmes).

    Eksempel: aftaleflow user create "Ane Holm" --role part --body kb-657
    """
    from aftaleflow.services.access.users import create_user

    user, token = create_user(context(), name, role, body, days)
    typer.echo(f"Bruger #{user.id} '{user.name}' oprettet med rollen {user.role_label}"
               + (f" for {user.body}" if user.body else "") + ".")
    _show_secret("API-token", token, user)


@user_app.command("list")
@user_errors
def user_list() -> None:
    """Vis brugere med tokenets status, udløb og seneste brug (aldrig tokens).

    Eksempel: aftaleflow user list
    """
    from aftaleflow.services.access.users import list_users

    for u in list_users(context()):
        typer.echo(f"#{u.id:<4} {u.name:<30} {u.role_label:<34} {u.body or '-':<45} "
                   f"{u.token_hint:<9} {u.token_status:<12} udløber {_when(u.token_expires_at)}"
                   f"  senest brugt {_when(u.token_last_used_at)}"
                   f"  kalendernøgle {u.feed_key_hint or '-'}")


@user_app.command("revoke")
@user_errors
def user_revoke(user: UserRef) -> None:
    """Tilbagekald brugerens API-token med det samme (API, dashboard og kalender).

    Eksempel: aftaleflow user revoke "Ane Holm"
    """
    from aftaleflow.services.access.users import revoke_token

    view = revoke_token(context(), _ref(user))
    typer.echo(f"Tokenet for '{view.name}' ({view.token_hint}) er tilbagekaldt; brugerens "
               "sessioner i dashboardet er afsluttet.")


@user_app.command("rotate")
@user_errors
def user_rotate(user: UserRef, days: Days = None) -> None:
    """Giv brugeren et nyt API-token; det gamle holder op med at virke.

    Eksempel: aftaleflow user rotate "Ane Holm" --days 30
    """
    from aftaleflow.services.access.users import rotate_token

    view, token = rotate_token(context(), _ref(user), days)
    typer.echo(f"Nyt token for '{view.name}'; det gamle virker ikke længere.")
    _show_secret("API-token", token, view)


@user_app.command("feed-key")
@user_errors
def user_feed_key(
    user: UserRef,
    revoke: Annotated[bool, typer.Option("--revoke", help="Tilbagekald nøglen i stedet.")
                      ] = False,
) -> None:
    """Lav (eller tilbagekald) brugerens kalendernøgle til kalender-feedet i Outlook.

    Nøglen kan kun læse kalenderen. Eksempel: aftaleflow user feed-key "Ane Holm"
    """
    from aftaleflow.config import get_settings
    from aftaleflow.services.access.users import issue_feed_key, revoke_feed_key

    if revoke:
        view = revoke_feed_key(context(), _ref(user))
        typer.echo(f"Kalendernøglen for '{view.name}' er tilbagekaldt.")
        return
    view, key = issue_feed_key(context(), _ref(user))
    typer.echo(f"Kalenderadresse for '{view.name}' (vises kun nu; gem den sikkert):")
    typer.echo(f"{get_settings().base_url}/ui/kalender.ics?noegle={key}")


def _ref(user: str) -> int | str:
    return int(user) if user.isdigit() else user


def _when(value: object) -> str:
    from datetime import datetime

    from aftaleflow.config import local_time

    return f"{local_time(value):%d.%m.%Y %H:%M}" if isinstance(value, datetime) else "-"


def _show_secret(kind: str, secret: str, user: UserView) -> None:
    typer.echo(f"{kind} (vises kun nu; gem det sikkert), gælder til "
               f"{_when(user.token_expires_at)}:")
    typer.echo(secret)


def serve_api(
    host: Annotated[str, typer.Option(help="Adresse; standard kun lokalt.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, help="Antal arbejdsprocesser (fx 4 på en regions fælles server).")] = 1,
) -> None:
    """Start REST-API'et og dashboardet (uvicorn). Dokumentation på /docs.

    Adgangsloggen skriver aldrig forespørgselsstrenge (de kan bære en kalendernøgle).
    Eksempel: aftaleflow api --port 8000 --workers 4
    """
    started()  # a server: Python's own garbage collection from here
    import uvicorn

    from aftaleflow.serving.logs import LOG_CONFIG

    if workers > 1:  # each worker process builds its own app and engine from the environment
        from aftaleflow.api.app import shared_answers_directory
        from aftaleflow.serving.workers import PortTaken, serve_workers

        with shared_answers_directory():
            try:
                serve_workers("aftaleflow.api.app:create_served_app", host=host, port=port,
                              workers=workers, log_config=LOG_CONFIG)
            except PortTaken as exc:
                raise fail(f"Kan ikke lytte på {exc}: adressen bruges af et andet program. "
                           "Vælg en anden --port, eller stop det andet program.") from None
        return
    from aftaleflow.api.app import create_served_app

    uvicorn.run(create_served_app(), host=host, port=port, log_level="info",
                log_config=LOG_CONFIG)
