"""`aftaleflow remind`, `aftaleflow serve`, `aftaleflow deploy` and `aftaleflow outbox ...`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, group, print_json, started, user_errors

outbox_app = group("Udgående post (outbox).", "aftaleflow outbox list --status sending")


@user_errors
def remind(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Vis planen uden at sende.")
                       ] = False,
    today: Annotated[str | None, typer.Option(help="Dato at regne fra, ÅÅÅÅ-MM-DD.")] = None,
) -> None:
    """Rykkere og eskaleringer, der skal sendes i dag (direkte, uden Prefect).

    Eksempel: aftaleflow remind --dry-run
    """
    from aftaleflow.services.mail.mailing import send_outbox
    from aftaleflow.services.mail.outbox import check_delivery_settings
    from aftaleflow.services.mail.reminders import enqueue_reminders, plan_reminders

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        raise fail(f"Ugyldig dato '{today}'. Brug ÅÅÅÅ-MM-DD.", 2) from None
    ctx = context()
    if dry_run:
        planned = plan_reminders(ctx, day)
        if not planned:
            typer.echo("Intet at sende i dag.")
        for m in planned:
            to = ", ".join(m.recipients)
            typer.echo(f"{m.kind:<11} {m.party:<48} {m.deadline_text}  -> {to}")
        typer.echo(f"{len(planned)} besked(er) ville blive sendt.")
        return
    check_delivery_settings()
    queued = enqueue_reminders(ctx, day)
    report = send_outbox(ctx, watch=[m.key for m in queued])
    typer.echo(f"{len(queued)} i kø; {len(report.sent)} sendt, {len(report.failed)} ikke sendt, "
               f"{len(report.uncertain)} usikre.")
    for line in report.notes():
        typer.echo(line)


def serve() -> None:
    """Kør alle flows efter deres tidsplaner (Prefect serve, Europe/Copenhagen).

    Uden PREFECT_API_URL bruges Prefects lokale, midlertidige API; med PREFECT_API_URL
    (fx http://127.0.0.1:4200/api fra `prefect server start`) ses kørslerne i Prefects UI.
    Eksempel: aftaleflow serve
    """
    started()  # runs until stopped: Python's own garbage collection from here
    from flows.common import configure_prefect

    configure_prefect()
    from flows.deployments import PLANS, TIMEZONE, serve_all

    typer.echo(f"Deployments (tidszone {TIMEZONE}):")
    for p in PLANS:
        typer.echo(f"  {p.flow}/{p.name:<28} cron '{p.cron}'  {p.description}")
    serve_all()


def deploy(
    pool: Annotated[str, typer.Option(help="Prefect-arbejdspuljen (type process).")
                    ] = "aftaleflow",
) -> None:
    """Registrér alle flows som deployments i en Prefect-server (PREFECT_API_URL).

    Puljen oprettes, hvis den mangler; to eller flere `prefect worker start --pool POOL`
    kører dem derefter. Kan køres igen. Eksempel: aftaleflow deploy --pool aftaleflow
    """
    started()
    from flows.common import configure_prefect

    configure_prefect()
    from flows.deployments import PLANS, TIMEZONE, deploy_all

    ids = deploy_all(pool)
    typer.echo(f"{len(ids)} deployments i arbejdspuljen '{pool}' (tidszone {TIMEZONE}):")
    for p in PLANS:
        typer.echo(f"  {p.flow}/{p.name:<28} cron '{p.cron}'  {p.description}")
    typer.echo(f"Start workers med: prefect worker start --pool {pool}")


@outbox_app.command("list")
@user_errors
def outbox_list(
    status: Annotated[str | None, typer.Option(
        help="queued | sending | sent | failed | uncertain")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Vis udgående beskeder; for en besked under afsendelse også, hvornår den markeres usikker.

    Eksempel: aftaleflow outbox list --status sending
    """
    from aftaleflow.config import local_time
    from aftaleflow.services.mail.outbox import list_outbox

    rows = list_outbox(context(), status)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"#{r.id:<5} {r.status_label:<22} {r.kind:<26} {', '.join(r.recipients)}"
                   f"  {r.subject}")
        if r.uncertain_after is not None:
            when = f"{local_time(r.uncertain_after):%d.%m.%Y %H:%M}"
            typer.echo(f"       Afsendelsen er i gang; afsluttes den ikke, markeres beskeden "
                       f"usikker ved næste kørsel efter {when} "
                       "(AFTALEFLOW_OUTBOX_RECLAIM_MINUTES).")


@outbox_app.command("release")
@user_errors
def outbox_release(message_id: int) -> None:
    """Sæt en usikker eller fejlet besked i kø igen, når du har kontrolleret den.

    Eksempel: aftaleflow outbox release 17
    """
    from aftaleflow.services.mail.outbox import release

    row = release(context(), message_id)
    typer.echo(f"Besked #{row.id} er sat i kø igen.")
