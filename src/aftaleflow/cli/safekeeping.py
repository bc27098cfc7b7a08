"""`aftaleflow backup`, `aftaleflow restore` and `aftaleflow audit key|checkpoint`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, user_errors


@user_errors
def backup(
    output: Annotated[Path, typer.Option("-o", "--output",
                                         help="Mappen, sikkerhedskopien lægges i.")],
) -> None:
    """Tag en sikkerhedskopi, mens andre arbejder videre: kopi + manifest + kontrolpunkter.

    SQLite kopieres med SQLites online-backup, PostgreSQL med pg_dump (serverens version).
    Eksempel: aftaleflow backup -o /srv/backup/aftaleflow
    """
    from aftaleflow.services.safekeeping.backup import make_backup

    made = make_backup(context(), output)
    m = made.manifest
    typer.echo(f"Sikkerhedskopi skrevet: {made.data_file} ({m['bytes']} bytes, "
               f"sha256 {m['sha256']}).")
    typer.echo(f"Manifest: {made.folder / 'manifest.json'}: skemarevision "
               f"{m['schema_revision']}, {len(m['tables'])} tabeller med "
               f"{sum(m['tables'].values())} rækker, revisionssporets hoved hændelse "
               f"#{m['audit']['head_event_id']} ({m['audit']['events']} hændelser), "
               f"{len(m['checkpoints'])} kontrolpunkter med.")


@user_errors
def restore(
    source: Annotated[Path, typer.Argument(
        help="Sikkerhedskopiens fil (eller mappe); manifest.json skal ligge ved siden af.")],
    to: Annotated[str, typer.Option(
        "--to", help="Databasen, der gendannes i, fx sqlite:///state/aftaleflow.db eller "
                     "postgresql+psycopg://aftaleflow@127.0.0.1/aftaleflow")],
    force: Annotated[bool, typer.Option(
        "--force", help="Gendan også over en database med data: den gamle flyttes til side "
                        "(SQLite-filen omdøbes, PostgreSQL-databasen omdøbes), aldrig slettet.")
    ] = False,
) -> None:
    """Gendan en sikkerhedskopi i en tom database og kontrollér den mod manifestet.

    Eksempel: aftaleflow restore backup/aftaleflow-20261206T013000Z/aftaleflow.sqlite
    --to sqlite:///state/aftaleflow.db
    """
    from aftaleflow.services.safekeeping.nightly import url_label
    from aftaleflow.services.safekeeping.restore import restore_backup

    done = restore_backup(source, to, force=force)
    if done.moved_aside:
        typer.echo(f"Den tidligere database er flyttet til side: {done.moved_aside}.")
    rows = sum(done.facts.tables.values())
    typer.echo(f"Sikkerhedskopien er lagt tilbage i {url_label(to)} og stemmer med manifestet: "
               f"skemarevision {done.facts.schema_revision}, {len(done.facts.tables)} tabeller "
               f"med {rows} rækker, revisionssporets hoved hændelse #{done.facts.head.event_id} "
               f"({done.facts.head.hash[:16]}…), og alle {done.chain.events} hændelser i "
               "hash-kæden er intakte.")


@user_errors
def audit_key(
    rotate: Annotated[bool, typer.Option(
        "--rotate", help="Lav et nyt nøglepar; den gamle offentlige nøgle gemmes til gamle "
                         "kontrolpunkter.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Vis også tidligere nøgler.")
                        ] = False,
) -> None:
    """Vis den offentlige nøgle, der kontrollerer signerede kontrolpunkter (til offentliggørelse).

    Eksempel: aftaleflow audit key
    """
    from aftaleflow.services.safekeeping import keys

    if rotate:
        keys.rotate(context())
        typer.echo("Nyt nøglepar lavet; den tidligere offentlige nøgle er gemt til gamle "
                   "kontrolpunkter. Offentliggør den nye nøgle:")
    current = keys.current_public_key()
    for key in keys.public_keys() if show_all else [current]:
        state = f"udskiftet {key.retired_at[:19]}" if key.retired_at else "gældende"
        typer.echo(f"ed25519 {key.public_key}  nøgle {key.key_id}  lavet {key.created_at[:19]}"
                   f"  {state}")


@user_errors
def audit_checkpoint() -> None:
    """Signér revisionssporets hoved og gem det uden for databasen (fil og mail til lederen).

    Eksempel: aftaleflow audit checkpoint
    """
    from aftaleflow.services.mail.mailing import send_outbox
    from aftaleflow.services.safekeeping.checkpoints import make_checkpoint

    ctx = context()
    written = make_checkpoint(ctx)
    c = written.checkpoint
    typer.echo(f"Kontrolpunkt skrevet: {written.path}: hændelse #{c.event_id} (nr. {c.count}), "
               f"hash {c.hash[:16]}…, signeret med nøgle {c.key_id}.")
    if written.mail_queued:
        report = send_outbox(ctx)
        typer.echo(f"Mail til lederen: {len(report.sent)} sendt, {len(report.failed)} ikke "
                   "sendt (ligger i outbox).")


def verify_checkpoints(folder: Path, keys_file: Path | None) -> None:
    from aftaleflow.services.safekeeping.checkpoints import verify_with_checkpoints

    check = verify_with_checkpoints(context(), folder, keys_file)
    for forged in check.forged:
        typer.secho(f"Fejl: Kontrolpunktet {forged.name} er forfalsket: {forged.reason}.",
                    fg=typer.colors.RED, err=True)
    chain = check.chain
    if not chain.ok:
        where = f" ved hændelse #{chain.broken_event_id}" if chain.broken_event_id else ""
        if chain.anchor is not None:
            raise fail(f"Revisionssporet stemmer ikke længere med kontrolpunktet "
                       f"{chain.anchor.name}{where}: {chain.reason}.", 8)
        raise fail(f"Revisionssporet er brudt{where}: {chain.reason}.", 8)
    if check.forged:
        raise fail(f"{len(check.forged)} kontrolpunkt(er) i {folder} er forfalsket; kæden "
                   f"stemmer med de {chain.anchors_checked} ægte.", 9)
    latest = max(check.checkpoints, key=lambda pair: pair[1].count, default=None)
    tail = (f"; seneste er {latest[0]} (hændelse #{latest[1].event_id})" if latest else "")
    typer.echo(f"Revisionssporet er intakt: {chain.events} hændelser kontrolleret og stemmer "
               f"med alle {chain.anchors_checked} signerede kontrolpunkter{tail}.")
