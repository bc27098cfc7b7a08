"""`aftaleflow agreement texts|revise|diff`: the agreement's text versions and their changes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aftaleflow.cli.common import context, fail, print_json, user_errors

if TYPE_CHECKING:
    from aftaleflow.services.agreements.texts import TextDiffView

JsonOpt = Annotated[bool, typer.Option("--json", help="Skriv JSON i stedet for tekst.")]


@user_errors
def agreement_texts(agreement_id: int, as_json: JsonOpt = False) -> None:
    """Vis aftalens tekstversioner med runde og udsendelsesdato.

    Eksempel: aftaleflow agreement texts 3
    """
    from aftaleflow.services.agreements.texts import list_texts

    texts = list_texts(context(), agreement_id)
    if as_json:
        print_json(texts)
        return
    for t in texts:
        sent = (f"runde {t.round_no}, udsendt {t.sent_on:%d.%m.%Y}" if t.round_no and t.sent_on
                else "udkast (ikke udsendt)")
        typer.echo(f"Version {t.version_no}: {sent} · {t.title} · "
                   f"{len(t.body.split())} ord · {len(t.attachments)} bilag")


@user_errors
def agreement_revise(
    agreement_id: int,
    title: Annotated[str | None, typer.Option(help="Ny titel.")] = None,
    description: Annotated[str | None, typer.Option(help="Ny beskrivelse.")] = None,
    text_file: Annotated[Path | None, typer.Option(
        "--text-file", help="Fil med aftaleteksten (UTF-8).")] = None,
    attachment: Annotated[list[str] | None, typer.Option(
        "--attachment", help="Et bilags navn; gentag for flere. Erstatter listen.")] = None,
    comment: Annotated[str | None, typer.Option(help="Hvorfor teksten ændres.")] = None,
    expected_version: Annotated[int | None, typer.Option(
        "--version", help="Afvis, hvis sagen er ændret siden denne version.")] = None,
) -> None:
    """Ret udkastet til aftalens tekst (før første runde og under genforhandling).

    Efter et afslag bliver rettelsen næste rundes tekstversion.
    Eksempel: aftaleflow agreement revise 3 --text-file aftale.md --attachment "Bilag 1"
    """
    from aftaleflow.services.agreements.texts import TextRevision, revise_text

    body = None
    if text_file is not None:
        try:
            body = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"Kan ikke læse {text_file}: {exc}", 2) from None
    view = revise_text(context(), agreement_id, TextRevision(
        title=title, description=description, body=body, attachments=attachment,
        comment=comment), expected_version=expected_version)
    typer.echo(f"Tekstversion {view.version_no} af samarbejdsaftale {agreement_id} er gemt.")


@user_errors
def agreement_diff(
    agreement_id: int,
    from_version: Annotated[int | None, typer.Option(
        "--from", help="Fra tekstversion (standard: den før --to).")] = None,
    to_version: Annotated[int | None, typer.Option(
        "--to", help="Til tekstversion (standard: den nyeste).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Vis ændringerne mellem to tekstversioner ord for ord: [-slettet-] og {+indsat+}.

    Eksempel: aftaleflow agreement diff 3 --from 1 --to 2
    """
    from aftaleflow.services.agreements.texts import diff_texts

    diff = diff_texts(context(), agreement_id, from_version, to_version)
    if as_json:
        print_json(diff)
    else:
        _print_diff(diff)


def _print_diff(diff: TextDiffView) -> None:
    def round_of(version: int, round_no: int | None) -> str:
        return f"version {version}" + (f" (runde {round_no})" if round_no else " (udkast)")

    typer.echo(f"Ændringer i samarbejdsaftale {diff.agreement_id} fra "
               f"{round_of(diff.from_version, diff.from_round)} til "
               f"{round_of(diff.to_version, diff.to_round)}:")
    if not diff.changed:
        typer.echo("Ingen ændringer.")
    marks = {"indsat": ("{+", "+}"), "slettet": ("[-", "-]"), "uaendret": ("", "")}
    for field in diff.fields:
        if field.changed:
            if field.field == "attachments":  # one name per line, each marked on its own
                text = "\n".join(f"{marks[s.kind][0]}{line}{marks[s.kind][1]}"
                                 for s in field.segments for line in s.text.splitlines())
            else:
                text = "".join(f"{marks[s.kind][0]}{s.text}{marks[s.kind][1]}"
                               for s in field.segments)
            typer.echo(f"\n{field.label}:\n{text.rstrip()}")
