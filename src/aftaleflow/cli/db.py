"""`aftaleflow db ...`: the schema, changed only by Alembic migrations (in migrations/)."""

from __future__ import annotations

from typing import Annotated

import typer

from aftaleflow.cli.common import fail, group, user_errors

db_app = group("Databasens skema: migrationer med Alembic.", "aftaleflow db upgrade")


def _run(action: str, revision: str) -> None:
    from alembic.util import CommandError

    from aftaleflow import db

    engine = db.get_engine()
    try:
        (db.upgrade if action == "upgrade" else db.downgrade)(engine, revision)
    except CommandError as exc:
        raise fail(f"Migrationen kunne ikke køres: {exc}", 2) from None
    typer.echo(f"Databasen er nu på revision {db.current_revision(engine) or 'base (tom)'}.")


@db_app.command("upgrade")
@user_errors
def upgrade(
    revision: Annotated[str, typer.Argument(help="Mål-revision (standard: den nyeste).")
                        ] = "head",
) -> None:
    """Opret databasen eller opdatér dens skema til den nyeste migration.

    Eksempel: aftaleflow db upgrade
    """
    _run("upgrade", revision)


@db_app.command("downgrade")
@user_errors
def downgrade(
    revision: Annotated[str, typer.Argument(
        help="Revision at gå tilbage til, fx -1 eller base (base sletter alle tabeller).")],
) -> None:
    """Rul skemaet tilbage til en tidligere migration (data i fjernede tabeller går tabt).

    Eksempel: aftaleflow db downgrade -1
    """
    _run("downgrade", revision)


@db_app.command("current")
@user_errors
def current() -> None:
    """Vis hvilken migration databasen er på, og den nyeste der findes.

    Eksempel: aftaleflow db current
    """
    from aftaleflow import db

    revision = db.current_revision(db.get_engine())
    head = db.head_revision()
    typer.echo(f"Databasen er på revision {revision or 'base (ingen migrationer kørt)'}; "
               f"nyeste er {head}.")
    if revision != head:
        typer.echo("Kør 'aftaleflow db upgrade' for at opdatere skemaet.")
