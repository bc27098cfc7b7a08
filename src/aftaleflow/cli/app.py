"""The `aftaleflow` command: a thin skin over `aftaleflow.services`.

Each command parses its input, calls one service and prints the result in Danish. Services
are imported inside the commands so that `aftaleflow --help` stays fast.
"""

from __future__ import annotations

import copy
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from typer.models import CommandInfo, TyperInfo

from aftaleflow.cli.admin import serve_api, user_app
from aftaleflow.cli.archive import archive_app
from aftaleflow.cli.bodies import body_app
from aftaleflow.cli.common import (
    context,
    fail,
    group,
    print_json,
    started,
    starting,
    user_errors,
    with_example,
)
from aftaleflow.cli.data import export_command, search_command
from aftaleflow.cli.db import db_app
from aftaleflow.cli.flows import deploy, outbox_app, remind, serve
from aftaleflow.cli.links import link_app
from aftaleflow.cli.masterdata import masterdata_app
from aftaleflow.cli.meetings import meeting_app
from aftaleflow.cli.openness import agreement_publish, aktindsigt
from aftaleflow.cli.render import render_app
from aftaleflow.cli.safekeeping import audit_checkpoint, audit_key, backup, restore
from aftaleflow.cli.structure import structure_app
from aftaleflow.cli.texts import agreement_diff, agreement_revise, agreement_texts

app = typer.Typer(
    help=with_example("aftaleflow: sagsgang for samarbejdsaftaler mellem kommuner og region.",
                      "aftaleflow demo"),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich's formatter alone costs ~0.4 s per start
)
agreement_app = group("Samarbejdsaftaler: opret, vis og før dem videre.",
                      "aftaleflow agreement list --state i_godkendelse")
approval_app = group("Parternes godkendelser.",
                     "aftaleflow approval record 1 Herning godkendt --meeting-date 2026-06-16")
implementation_app = group("Klyngernes implementering.",
                           "aftaleflow implementation record 1 horsensklyngen i_gang")
audit_app = group("Revisionssporet (hash-kæde).", "aftaleflow audit verify")
app.add_typer(agreement_app, name="agreement")
app.add_typer(approval_app, name="approval")
app.add_typer(implementation_app, name="implementation")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(meeting_app, name="meeting")
app.add_typer(body_app, name="body")
app.command("api")(serve_api)
app.command("remind")(remind)
app.command("serve")(serve)
app.command("deploy")(deploy)
app.add_typer(outbox_app, name="outbox")
app.add_typer(render_app, name="render")
app.command("search")(search_command)
app.command("export")(export_command)
app.add_typer(db_app, name="db")
app.add_typer(masterdata_app, name="masterdata")
app.add_typer(structure_app, name="structure")
app.add_typer(archive_app, name="archive")
app.add_typer(link_app, name="link")
app.command("backup")(backup)
app.command("restore")(restore)
audit_app.command("key")(audit_key)
audit_app.command("checkpoint")(audit_checkpoint)
agreement_app.command("texts")(agreement_texts)
agreement_app.command("revise")(agreement_revise)
agreement_app.command("diff")(agreement_diff)
agreement_app.command("publish")(agreement_publish)
app.command("aktindsigt")(aktindsigt)

JsonOpt = Annotated[bool, typer.Option("--json", help="Skriv JSON i stedet for tekst.")]


def _date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"Ugyldig dato for {field}: '{value[:20]}'. Brug ÅÅÅÅ-MM-DD.", 2) from None


@app.command()
@user_errors
def init(
    masterdata: Annotated[Path | None, typer.Option(
        help="Mappe med egne stamdatafiler (standard: dem, der følger med).")] = None,
) -> None:
    """Opret databasen og indlæs stamdata (regioner, kommuner, klynger, organer).

    Kan køres igen: uændrede stamdata ændrer intet. Eksempel: aftaleflow init
    """
    from aftaleflow.config import get_settings
    from aftaleflow.services.safekeeping.keys import ensure_key_pair
    from aftaleflow.services.structure.masterdata import load_master_data

    ctx = context()
    report = load_master_data(ctx, masterdata)
    if report.changed:
        typer.echo(f"Stamdata indlæst: {report.created} oprettet, {report.updated} ændret, "
                   f"{report.ended} afsluttet.")
    else:
        typer.echo("Stamdata er allerede opdateret; intet ændret.")
    made = ensure_key_pair(ctx.now())
    if made:
        typer.echo(f"Nøglepar til signerede kontrolpunkter lavet: {get_settings().signing_key} "
                   f"(kun ejeren kan læse den). Offentlig nøgle {made.key_id}: "
                   f"{made.public_key} (se 'aftaleflow audit key').")


@app.command()
@user_errors
def demo() -> None:
    """Kør et realistisk forløb i state/aftaleflow.db og vis statusmatricen.

    Eksempel: aftaleflow demo
    """
    from aftaleflow.demo import run_demo

    run_demo()


@app.command()
@user_errors
def status(
    region: Annotated[str | None, typer.Option(help="Kun én region, fx midtjylland.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Statusmatrix: samarbejdsaftaler × parter med hver parts tilstand.

    Eksempel: aftaleflow status --json
    """
    from aftaleflow.cli import output

    if as_json:
        from aftaleflow.services.reading.status import status_matrix

        print_json({"agreements": status_matrix(context(), region=region)})
    else:
        from aftaleflow.services.reading.matrix import approval_matrix

        output.status_matrix(approval_matrix(context(), region=region))


@agreement_app.command("create")
@user_errors
def agreement_create(
    title: Annotated[str, typer.Option(help="Aftalens titel.")],
    region: Annotated[str, typer.Option(help="Region, fx midtjylland eller syddanmark.")],
    kle: Annotated[str, typer.Option(help="KLE-sagsnummer, fx 29.30.08-P27-1-21.")],
    case_handler: Annotated[str, typer.Option(help="Sagsbehandlerens navn.")],
    kind: Annotated[str, typer.Option(
        help="regional_samarbejdsaftale | lokal_aftale | klyngemidler_beslutning | "
             "horisontal_samarbejdsaftale | medfinansieringsaftale (de to sidste fra 2027)")
    ] = "regional_samarbejdsaftale",
    origin: Annotated[str | None, typer.Option(
        help="Oprindelsen; de gyldige på dagen står i stamdata (aftaleflow structure origins). "
             "Standard: dagens første, fx ssu_bestilling i 2026.")] = None,
    cluster: Annotated[str | None, typer.Option(
        help="Klyngen (nøgle eller navn) for en prøvehandling eller lokal aftale.")] = None,
    description: Annotated[str, typer.Option(help="Kort beskrivelse.")] = "",
    approval_deadline: Annotated[str | None, typer.Option(
        help="Frist for godkendelse, ÅÅÅÅ-MM-DD.")] = None,
    parties: Annotated[list[str] | None, typer.Option(
        "--part", help="En kommune, der er part ud over regionen (navn eller kommunekode); "
                       "gentag for flere. Kun for typer med valgte parter.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Opret en samarbejdsaftale.

    En horisontal samarbejdsaftale (sundhedslovens § 118 d) og en aftale om regional
    medfinansiering (§ 118 c) har regionen og de kommuner, du nævner med --part, som parter:
    aftaleflow agreement create --kind horisontal_samarbejdsaftale --region oestdanmark
    --part Køge --part Roskilde --title "Fælles akutfunktion" --kle 29.30.08-P27-2-27
    --case-handler "Ane Holm"

    Eksempel: aftaleflow agreement create --title "Udgående teams" --region midtjylland
    --kle 29.30.08-P27-1-26 --case-handler "Ane Holm" --origin proevehandling
    --cluster goedstrupklyngen-vest
    """
    from aftaleflow.cli import output
    from aftaleflow.services.agreements.cases import NewAgreement, create_agreement

    view = create_agreement(context(), NewAgreement(
        title=title, kind=kind, origin=origin, region=region, kle_number=kle,
        case_handler=case_handler, origin_cluster=cluster, description=description,
        approval_deadline=_date(approval_deadline, "godkendelsesfrist"),
        parties=parties or [],
    ))
    if as_json:
        print_json(view)
    else:
        typer.echo(f"Oprettet samarbejdsaftale #{view.id} i tilstanden '{view.state_label}'.")
        output.agreement_detail(view)


@agreement_app.command("list")
@user_errors
def agreement_list(
    region: Annotated[str | None, typer.Option(help="Filtrér på region.")] = None,
    state: Annotated[str | None, typer.Option(help="Filtrér på tilstand, fx i_godkendelse.")
                     ] = None,
    kind: Annotated[str | None, typer.Option(help="Filtrér på type.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Vis samarbejdsaftaler. Eksempel: aftaleflow agreement list --state i_godkendelse"""
    from aftaleflow.cli import output
    from aftaleflow.services.agreements.cases import list_agreements

    agreements = list_agreements(context(), region=region, state=state, kind=kind)
    if as_json:
        print_json(agreements)
        return
    if not agreements:
        typer.echo("Ingen samarbejdsaftaler matcher.")
    for a in agreements:
        typer.echo(output.agreement_line(a))


@agreement_app.command("show")
@user_errors
def agreement_show(agreement_id: int, as_json: JsonOpt = False) -> None:
    """Vis én samarbejdsaftale med parter og klynger. Eksempel: aftaleflow agreement show 1"""
    from aftaleflow.cli import output
    from aftaleflow.services.agreements.lookup import get_agreement  # Core: no ORM

    view = get_agreement(context(), agreement_id)
    if as_json:
        print_json(view)
    else:
        output.agreement_detail(view)


@agreement_app.command("history")
@user_errors
def agreement_history(agreement_id: int, as_json: JsonOpt = False) -> None:
    """Vis aftalens forløb fra revisionssporet. Eksempel: aftaleflow agreement history 1"""
    from aftaleflow.cli import output
    from aftaleflow.services.agreements.cases import history

    events = history(context(), agreement_id)
    if as_json:
        print_json(events)
    else:
        output.history(events)


@agreement_app.command("advance")
@user_errors
def agreement_advance(
    agreement_id: int,
    trigger: Annotated[str, typer.Argument(help="Handling, fx send_til_ssu.")],
    comment: Annotated[str | None, typer.Option(
        help="Kommentar til revisionssporet; begrundelsen, som en handling, der ikke kan "
             "gøres om (tilbagetraek, marker_udloebet, marker_erstattet), skal have.")] = None,
    approval_deadline: Annotated[str | None, typer.Option(
        help="Fast frist for den godkendelsesrunde, handlingen starter, ÅÅÅÅ-MM-DD "
             "(uden: fristreglen regnet fra rundens start).")] = None,
    expected_version: Annotated[int | None, typer.Option(
        "--version", help="Afvis, hvis sagen er ændret siden denne version.")] = None,
) -> None:
    """Før aftalen videre med en handling.

    Eksempel: aftaleflow agreement advance 1 send_til_ssu --comment "Klar til SSU"
    """
    from aftaleflow.services.agreements.cases import advance_agreement

    view = advance_agreement(context(), agreement_id, trigger, comment=comment,
                             deadline=_date(approval_deadline, "godkendelsesfrist"),
                             expected_version=expected_version)
    typer.echo(f"Samarbejdsaftale #{view.id} er nu '{view.state_label}'.")
    if view.approvals_total:
        typer.echo(f"Godkendelsesrunde {view.round_no}: {view.progress}.")
    typer.echo(f"Mulige handlinger nu: {', '.join(view.allowed_triggers) or 'ingen'}.")


@approval_app.command("record")
@user_errors
def approval_record(
    agreement_id: int,
    party: Annotated[str, typer.Argument(help="Part: kommunenavn, kommunekode, "
                                              "'regionsrådet' eller organets nøgle.")],
    decision: Annotated[str, typer.Argument(
        help="dagsorden | godkendt | afvist | udsat | genoptaget")],
    meeting_date: Annotated[str | None, typer.Option(help="Mødedato, ÅÅÅÅ-MM-DD.")] = None,
    decided_on: Annotated[str | None, typer.Option(help="Beslutningsdato, ÅÅÅÅ-MM-DD.")
                          ] = None,
    protocol: Annotated[str | None, typer.Option(help="Henvisning til protokol/referat.")
                        ] = None,
    comment: Annotated[str | None, typer.Option(
        help="Kommentar; begrundelsen, som en afvisning skal have.")] = None,
) -> None:
    """Registrér en parts beslutning.

    Eksempel: aftaleflow approval record 1 Herning godkendt --meeting-date 2026-06-16
    """
    from aftaleflow.services.agreements.approvals import Decision, record_decision

    view = record_decision(context(), agreement_id, Decision(
        party=party, decision=decision, meeting_date=_date(meeting_date, "mødedato"),
        decided_on=_date(decided_on, "beslutningsdato"), protocol_ref=protocol,
        comment=comment,
    ))
    typer.echo(f"Registreret. Samarbejdsaftale #{view.id} er '{view.state_label}'; "
               f"{view.progress}.")


@implementation_app.command("record")
@user_errors
def implementation_record(
    agreement_id: int,
    cluster: Annotated[str, typer.Argument(help="Klyngens nøgle eller navn.")],
    step: Annotated[str, typer.Argument(help="i_gang | implementeret")],
    on: Annotated[str | None, typer.Option("--date", help="Dato, ÅÅÅÅ-MM-DD.")] = None,
    comment: Annotated[str | None, typer.Option(help="Kommentar.")] = None,
) -> None:
    """Registrér en klynges implementering. Eksempel: aftaleflow implementation record 1
    horsensklyngen i_gang"""
    from aftaleflow.services.agreements.implementations import record_implementation

    view = record_implementation(context(), agreement_id, cluster, step,
                                 on=_date(on, "dato"), comment=comment)
    done = sum(1 for i in view.implementations if i.state == "implementeret")
    typer.echo(f"Registreret. Samarbejdsaftale #{view.id} er '{view.state_label}'; "
               f"{done} af {len(view.implementations)} klynger har implementeret.")


@audit_app.command("verify")
@user_errors
def audit_verify(
    checkpoints: Annotated[Path | None, typer.Option(
        "--checkpoints", help="Kontrollér også mod hvert signeret kontrolpunkt i mappen.")
    ] = None,
    keys_file: Annotated[Path | None, typer.Option(
        "--keys", help="Nøglefil med de offentlige nøgler, der stoles på (standard: serverens "
                       "egen, ved siden af den private nøgle).")] = None,
) -> None:
    """Kontrollér revisionssporets hash-kæde, evt. mod signerede kontrolpunkter.

    Eksempel: aftaleflow audit verify --checkpoints state/checkpoints
    """
    if checkpoints is not None:
        from aftaleflow.cli.safekeeping import verify_checkpoints

        verify_checkpoints(checkpoints, keys_file)
        return
    from aftaleflow.services.auditing import verify_chain

    report = verify_chain(context())
    if report.ok:
        typer.echo(f"Revisionssporet er intakt: {report.events} hændelser kontrolleret.")
        return
    raise fail(f"Revisionssporet er brudt ved hændelse #{report.broken_event_id}: "
               f"{report.reason}.", 8)


def only(name: str | None, sub: str | None = None) -> typer.Typer:
    """The app with just the top-level command `name` (or all, if `name` is not one), and of a
    group just its command `sub` (or all, if `sub` is not one of them: `--help`, a typo).

    Typer inspects the signature of every registered command before it runs one (0.2 s for
    all of ours; each parameter gets a pydantic adapter); a command only needs its own, and
    `--help` still lists every command.
    """
    commands = _pruned(app.registered_commands, name)
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    pruned = copy.copy(app)
    pruned.registered_commands = commands
    pruned.registered_groups = [_only_in_group(g, sub) for g in groups]
    return pruned


def _pruned(commands: list[CommandInfo], name: str | None) -> list[CommandInfo]:
    from typer.main import get_command_name

    return [c for c in commands
            if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == name]


def _only_in_group(group: TyperInfo, sub: str | None) -> TyperInfo:
    """The group with just its command `sub`, if it has one by that name."""
    instance = group.typer_instance
    if instance is None or instance.registered_groups:
        return group
    commands = _pruned(instance.registered_commands, sub)
    if not commands:
        return group
    kept = copy.copy(instance)
    kept.registered_commands = commands
    narrowed = copy.copy(group)
    narrowed.typer_instance = kept
    return narrowed


def main() -> None:
    from typer.main import get_group  # a group even when only one command is kept

    starting()  # until the command's service context (`common.started`)
    try:
        args = sys.argv[1:3]
        get_group(only(*args) if args else app)()
    finally:
        started()
