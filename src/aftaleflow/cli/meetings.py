"""`aftaleflow meeting ...`: meetings and agenda items for committee clerks."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aftaleflow.cli.common import context, fail, group, print_json, user_errors

if TYPE_CHECKING:
    from aftaleflow.services.meetings.bilag import BilagFile
    from aftaleflow.services.views import MeetingView

meeting_app = group("Møder og dagsordenpunkter.", "aftaleflow meeting show 1")


def _when(value: str) -> datetime | date:
    """A time (2026-06-16T17:00) or, when the time is not known yet, a date (2021-08-30)."""
    from aftaleflow.config import TIMEZONE

    try:
        if len(value.strip()) == 10:
            return date.fromisoformat(value.strip())
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"Ugyldigt tidspunkt '{value[:30]}'. Brug fx 2026-06-16T17:00 eller "
                   "2026-06-16.", 2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TIMEZONE)


def _moment(m: MeetingView) -> str:
    return f"{m.starts_at:%d.%m.%Y %H:%M}" if m.has_time else f"{m.starts_at:%d.%m.%Y}"


def _read_text(path: Path | None, given: str) -> str:
    """Text from a file (line breaks kept as written), else the option's value."""
    if path is None:
        return given
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise fail(f"Kan ikke læse tekstfilen {path} (UTF-8).", 2) from None


def _bilag_files(paths: list[Path]) -> list[BilagFile]:
    from aftaleflow.services.meetings.bilag import BilagFile

    files = []
    for path in paths:
        try:
            files.append(BilagFile(name=path.stem, data=path.read_bytes()))
        except OSError:
            raise fail(f"Kan ikke læse bilaget {path}.", 2) from None
    return files


@meeting_app.command("create")
@user_errors
def meeting_create(
    body: Annotated[str, typer.Option(help="Organets nøgle eller navn, fx kb-657.")],
    starts_at: Annotated[str, typer.Option(
        "--at", help="Tidspunkt, fx 2026-06-16T17:00, eller kun dato, fx 2026-06-16.")],
    place: Annotated[str, typer.Option(help="Mødested.")],
) -> None:
    """Opret et møde. Eksempel: aftaleflow meeting create --body kb-657 --at 2026-06-16T17:00
    --place Byrådssalen"""
    from aftaleflow.services.meetings.agenda import create_meeting

    m = create_meeting(context(), body, _when(starts_at), place)
    typer.echo(f"Møde #{m.id}: {m.body}, {_moment(m)}, {m.place}.")


@meeting_app.command("list")
@user_errors
def meeting_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Vis møder. Eksempel: aftaleflow meeting list"""
    from aftaleflow.services.meetings.agenda import list_meetings

    meetings = list_meetings(context())
    if as_json:
        print_json(meetings)
        return
    for m in meetings:
        typer.echo(f"#{m.id:<4} {_moment(m):<16}  {m.body}  ({m.place})")


@meeting_app.command("show")
@user_errors
def meeting_show(meeting_id: int, as_json: Annotated[bool, typer.Option("--json")] = False
                 ) -> None:
    """Vis et møde med dagsorden. Eksempel: aftaleflow meeting show 1"""
    from aftaleflow.services.meetings.agenda import get_meeting

    m = get_meeting(context(), meeting_id)
    if as_json:
        print_json(m)
        return
    typer.echo(f"{m.body}, {_moment(m)}, {m.place}")
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
    number: Annotated[int | None, typer.Option(
        help="Punktets nummer på dagsordenen (ellers det næste ledige).")] = None,
    case_number: Annotated[str, typer.Option(
        help="Punktets eget sagsnr. (ellers aftalens KLE-nummer).")] = "",
    case_handler: Annotated[str, typer.Option(
        help="Sagsbehandler (ellers aftalens).")] = "",
    other_handler: Annotated[list[str] | None, typer.Option(
        help="Øvrig sagsbehandler; kan gentages.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Lukket punkt.")] = False,
    summary: Annotated[str, typer.Option(help="Sagsresume.")] = "",
    summary_file: Annotated[Path | None, typer.Option(
        help="Sagsresume fra en UTF-8-tekstfil (linjeskift bevares).")] = None,
    account: Annotated[str, typer.Option(help="Sagsfremstilling (let Markdown).")] = "",
    account_file: Annotated[Path | None, typer.Option(
        help="Sagsfremstilling fra en UTF-8-tekstfil (linjeskift bevares).")] = None,
    recommender: Annotated[str, typer.Option(help="Hvem indstiller.")] = "",
    recommendation: Annotated[list[str] | None, typer.Option(
        help="En 'at ...'-indstilling; kan gentages.")] = None,
    attachment: Annotated[list[str] | None, typer.Option(help="Bilag; kan gentages.")] = None,
    attachment_file: Annotated[list[Path] | None, typer.Option(
        help="Bilag som PDF-fil, sættes bag punktet med sidetal; kan gentages.")] = None,
    route: Annotated[str | None, typer.Option(help="Rute, fx 'FAG,ØKU,KB'.")] = None,
    current: Annotated[str | None, typer.Option(help="Aktuelt trin på ruten.")] = None,
    late_reason: Annotated[str | None, typer.Option(
        help="Begrundelse, når punktet kommer efter dagsordenens udsendelsesfrist.")] = None,
    history: Annotated[bool, typer.Option(
        "--history", help="Mødet er holdt: registrér punktet som historik (fx en gammel "
                          "dagsorden, der skrives ind); ingen udsendelsesfrist.")] = False,
) -> None:
    """Tilføj et dagsordenpunkt. Eksempel: aftaleflow meeting add-item 1 --agreement 1
    --number 18 --case-handler "Ellen Bagge Grimstrup" --attachment-file aftaletekst.pdf"""
    from aftaleflow.services.meetings.agenda import NewItem, add_item

    item = add_item(context(), meeting_id, NewItem(
        title=title, number=number, agreement_id=agreement, closed=closed,
        case_number=case_number, case_handler=case_handler,
        other_handlers=", ".join(other_handler or []),
        summary=_read_text(summary_file, summary), account=_read_text(account_file, account),
        recommender=recommender, recommendations=recommendation or [],
        attachments=attachment or [], attachment_files=_bilag_files(attachment_file or []),
        route=route.split(",") if route else [], route_current=current,
        late_reason=late_reason, history=history))
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
    from aftaleflow.services.meetings.agenda import decide_item

    item = decide_item(context(), item_id, text, decision)
    typer.echo(f"Beslutning registreret på punkt {item.number}: {item.decision_text}")
