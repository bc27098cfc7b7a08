"""`aftaleflow meeting ...`: meetings and agenda items for committee clerks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from aftaleflow.cli.common import context, fail, group, print_json, user_errors

meeting_app = group("Møder og dagsordenpunkter.")


def _when(value: str) -> datetime:
    from aftaleflow.config import TIMEZONE

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"Ugyldigt tidspunkt '{value[:30]}'. Brug fx 2026-06-16T17:00.", 2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TIMEZONE)


@meeting_app.command("create")
@user_errors
def meeting_create(
    body: Annotated[str, typer.Option(help="Organets nøgle eller navn, fx kb-657.")],
    starts_at: Annotated[str, typer.Option("--at", help="Tidspunkt, fx 2026-06-16T17:00.")],
    place: Annotated[str, typer.Option(help="Mødested.")],
) -> None:
    """Opret et møde. Eksempel: aftaleflow meeting create --body kb-657 --at 2026-06-16T17:00
    --place Byrådssalen"""
    from aftaleflow.services.meetings import create_meeting

    m = create_meeting(context(), body, _when(starts_at), place)
    typer.echo(f"Møde #{m.id}: {m.body}, {m.starts_at:%d.%m.%Y %H:%M}, {m.place}.")


@meeting_app.command("list")
@user_errors
def meeting_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Vis møder. Eksempel: aftaleflow meeting list"""
    from aftaleflow.services.meetings import list_meetings

    meetings = list_meetings(context())
    if as_json:
        print_json(meetings)
        return
    for m in meetings:
        typer.echo(f"#{m.id:<4} {m.starts_at:%d.%m.%Y %H:%M}  {m.body}  ({m.place})")


@meeting_app.command("show")
@user_errors
def meeting_show(meeting_id: int, as_json: Annotated[bool, typer.Option("--json")] = False
                 ) -> None:
    """Vis et møde med dagsorden. Eksempel: aftaleflow meeting show 1"""
    from aftaleflow.services.meetings import get_meeting

    m = get_meeting(context(), meeting_id)
    if as_json:
        print_json(m)
        return
    typer.echo(f"{m.body}, {m.starts_at:%d.%m.%Y %H:%M}, {m.place}")
    for i in m.items:
        lock = " (lukket)" if i.closed else ""
        decided = f" — {i.decision_text}" if i.decision_text else ""
        typer.echo(f"  {i.number}. {i.title}{lock}{decided}")


@meeting_app.command("add-item")
@user_errors
def meeting_add_item(
    meeting_id: int,
    agreement: Annotated[int | None, typer.Option(
        help="Samarbejdsaftalens nummer: punktet udfyldes fra aftalen.")] = None,
    title: Annotated[str, typer.Option(help="Titel (ellers aftalens).")] = "",
    closed: Annotated[bool, typer.Option("--closed", help="Lukket punkt.")] = False,
    summary: Annotated[str, typer.Option(help="Sagsresume.")] = "",
    account: Annotated[str, typer.Option(help="Sagsfremstilling (let Markdown).")] = "",
    recommender: Annotated[str, typer.Option(help="Hvem indstiller.")] = "",
    recommendation: Annotated[list[str] | None, typer.Option(
        help="En 'at ...'-indstilling; kan gentages.")] = None,
    attachment: Annotated[list[str] | None, typer.Option(help="Bilag; kan gentages.")] = None,
    route: Annotated[str | None, typer.Option(help="Rute, fx 'FAG,ØKU,KB'.")] = None,
    current: Annotated[str | None, typer.Option(help="Aktuelt trin på ruten.")] = None,
    late_reason: Annotated[str | None, typer.Option(
        help="Begrundelse, når punktet kommer efter dagsordenens udsendelsesfrist.")] = None,
) -> None:
    """Tilføj et dagsordenpunkt. Eksempel: aftaleflow meeting add-item 1 --agreement 1"""
    from aftaleflow.services.meetings import NewItem, add_item

    item = add_item(context(), meeting_id, NewItem(
        title=title, agreement_id=agreement, closed=closed, summary=summary, account=account,
        recommender=recommender, recommendations=recommendation or [],
        attachments=attachment or [], route=route.split(",") if route else [],
        route_current=current, late_reason=late_reason))
    typer.echo(f"Punkt {item.number} tilføjet (#{item.id}): {item.title}")


@meeting_app.command("decide")
@user_errors
def meeting_decide(
    item_id: int,
    text: Annotated[str, typer.Argument(help="Beslutningen som den står i protokollen.")],
    decision: Annotated[str | None, typer.Option(help="godkendt | afvist | udsat")] = None,
) -> None:
    """Registrér beslutningen på et punkt. Eksempel: aftaleflow meeting decide 1
    "Indstillingen blev godkendt." --decision godkendt"""
    from aftaleflow.services.meetings import decide_item

    item = decide_item(context(), item_id, text, decision)
    typer.echo(f"Beslutning registreret på punkt {item.number}: {item.decision_text}")
