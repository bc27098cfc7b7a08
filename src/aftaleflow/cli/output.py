"""Danish text output: agreement details, history and the status matrix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

import typer

from aftaleflow.services.views import AgreementLike, AgreementView, AuditView

if TYPE_CHECKING:
    from aftaleflow.services.structure.masterdata_import import ImportReport

def _d(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "-"


def agreement_line(a: AgreementView) -> str:
    progress = f" [{a.progress}]" if a.approvals_total else ""
    return f"#{a.id:<4} {a.state_label:<22} {a.region:<19} {a.title}{progress}"


def agreement_detail(a: AgreementView) -> None:
    echo = typer.echo
    echo(f"Samarbejdsaftale #{a.id}: {a.title}")
    echo(f"  Type:           {a.kind_label}")
    origin = a.origin_label + (f" ({a.origin_cluster})" if a.origin_cluster else "")
    echo(f"  Oprindelse:     {origin}")
    echo(f"  Region:         {a.region}")
    if a.chosen_parties:
        echo(f"  Kommuner som parter: {', '.join(a.chosen_parties)}")
    echo(f"  Sagsnr. (KLE):  {a.kle_number}")
    echo(f"  Sagsbehandler:  {a.case_handler}")
    echo(f"  Tilstand:       {a.state_label} ({a.state})")
    echo(f"  Runde/version:  runde {a.round_no}, tekstversion {a.text_version}; "
         f"sagsversion {a.version}")
    if a.approvals_total:
        echo(f"  Godkendelser:   {a.progress}")
    if a.forum:
        echo(f"  Forum:          {a.forum}")
    echo(f"  Mulige handlinger: {', '.join(a.allowed_triggers) or 'ingen'}")
    for action in a.actions:
        if not action.available:
            echo(f"  Ikke mulig nu: {action.trigger} ({action.label}) — {action.reason}")
    if a.approvals:
        echo("  Parter i godkendelsesrunden:")
        for p in a.approvals:
            extra = f" møde {_d(p.meeting_date)}" if p.meeting_date else ""
            done = f" besluttet {_d(p.decided_on)}" if p.decided_on else ""
            due = "" if p.decided_on or not p.deadline else f" frist {_d(p.deadline)}"
            late = " OVER FRISTEN" if p.past_deadline else ""
            echo(f"    {p.body:<52} {p.state_label:<17}{due}{late}{extra}{done}")
            if p.certainty:
                echo(f"      {p.certainty_label}: {p.certainty_source}")
        for rule in deadline_rules(a):
            echo(f"  Fristregel: {rule}")
    if a.implementations:
        echo("  Implementering i klynger:")
        for i in a.implementations:
            echo(f"    {i.cluster:<52} {i.state_label}")


def deadline_rules(a: AgreementLike) -> list[str]:
    """Each distinct rule behind the pending parties' deadlines (usually one or two)."""
    return list(dict.fromkeys(p.deadline_rule for p in a.approvals
                              if p.deadline and not p.decided_on and p.deadline_rule))


def deadline_lines(a: AgreementLike) -> list[str]:
    """The pending parties' deadlines, grouped by date, with the rule and who is past it."""
    pending = [p for p in a.approvals if p.deadline and not p.decided_on]
    by_day: dict[date, list[str]] = {}
    for p in pending:
        by_day.setdefault(p.deadline, []).append(p.body)  # type: ignore[arg-type]
    lines = [f"frist {_d(day)}: {len(names)} part(er) mangler" for day, names in
             sorted(by_day.items())]
    late = [p.body for p in pending if p.past_deadline]
    if late:
        lines.append("over fristen: " + ", ".join(late))
    return lines + [f"fristregel: {rule}" for rule in deadline_rules(a)]


def history(events: Iterable[AuditView]) -> None:
    for e in events:
        move = f"{e.from_state or '-'} -> {e.to_state or '-'}"
        note = f"  ({e.comment})" if e.comment else ""
        typer.echo(f"{e.at}  {e.actor:<14} {e.entity:<14} {e.trigger:<24} {move}{note}")


def status_matrix(agreements: Sequence[AgreementLike]) -> None:
    """Per region and agreement: each party's cell, worded as in the exports, `--json` and
    the dashboard (`reading.cells.cell_of`)."""
    from aftaleflow.services.reading.cells import cell_of

    regions: dict[str, list[AgreementLike]] = {}
    for a in agreements:
        regions.setdefault(a.region, []).append(a)
    if not agreements:
        typer.echo("Ingen samarbejdsaftaler endnu.")
    for region, items in regions.items():
        typer.echo(f"\n{region}")
        width = max((len(p.body) for a in items for p in a.approvals), default=0)
        for a in items:
            typer.echo(f"  #{a.id}: {a.title} — {a.state_label}"
                       + (f", runde {a.round_no}: {a.progress}" if a.approvals_total else ""))
            if a.state == "i_godkendelse":
                for line in deadline_lines(a):
                    typer.echo(f"      {line}")
            for p in a.approvals:
                typer.echo(f"    {p.body:<{width}}  {cell_of(p, a.state).text}")


def import_report(report: ImportReport, source: object) -> None:
    """The preview or result of a master-data import, section by section."""
    from aftaleflow.services.structure.masterdata_import import (
        SECTION_TITLES,
        change_line,
        touched_line,
    )

    head = ("Prøvekørsel - intet er indlæst." if report.dry_run
            else "Stamdata er indlæst; hændelsen står i revisionssporet.")
    typer.echo(f"{head} Kilde: {source}; ændringer gælder fra {report.effective} "
               f"(sha256 {report.digest[:12]}).")
    if not report.changes:
        typer.echo("Ingen ændringer: databasen svarer allerede til filerne.")
    for action, title in SECTION_TITLES.items():
        changes = report.of(action)
        typer.echo(f"{title} ({len(changes)}):" if changes else f"{title}: ingen")
        for change in changes:
            typer.echo(f"  {change_line(change)}")
    typer.echo(f"Åbne sager, der berøres ({len(report.touched)}):" if report.touched
               else "Åbne sager, der berøres: ingen")
    for case in report.touched:
        typer.echo(f"  {touched_line(case)}")
