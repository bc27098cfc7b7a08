"""The weekly status report for managers: per agreement, who has approved, who is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aftaleflow.config import get_settings
from aftaleflow.domain.calendar import danish_long_date
from aftaleflow.services.agreements.cases import is_overdue, list_agreements
from aftaleflow.services.mail.outbox import enqueue
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import AgreementView

STATUS_REPORT = "statusrapport"


@dataclass(frozen=True)
class AgreementStatusLine:
    id: int
    title: str
    region: str
    state_label: str
    progress: str
    overdue_parties: list[str]


def status_lines(agreements: list[AgreementView], today: date) -> list[AgreementStatusLine]:
    return [AgreementStatusLine(
        id=a.id, title=a.title, region=a.region, state_label=a.state_label,
        progress=a.progress if a.approvals_total else "-",
        overdue_parties=[p.body for p in a.approvals
                         if is_overdue(a, today) and p.deadline and p.deadline < today
                         and p.state not in ("godkendt", "afvist")])
        for a in agreements if a.state not in ("tilbagetrukket", "udloebet", "erstattet")]


def report_text(lines: list[AgreementStatusLine], today: date) -> str:
    out = [f"Status for samarbejdsaftaler pr. {danish_long_date(today)}", ""]
    for line in lines:
        out.append(f"#{line.id} {line.title} ({line.region}): {line.state_label}, "
                   f"{line.progress}")
        if line.overdue_parties:
            out.append("    Frist overskredet: " + ", ".join(line.overdue_parties))
    if not lines:
        out.append("Ingen aktive samarbejdsaftaler.")
    out += ["", "Venlig hilsen", "aftaleflow"]
    return "\n".join(out)


def enqueue_status_report(ctx: ServiceContext, today: date | None = None) -> str | None:
    """Queue this week's report to the managers once; returns its key if queued now."""
    ctx.authorize("document.write")
    day = today or ctx.now().date()
    lines = status_lines(list_agreements(ctx), day)
    year, week, _ = day.isocalendar()
    key = f"{STATUS_REPORT}:{year}-U{week:02d}"
    with UnitOfWork(ctx) as uow:
        queued = enqueue(uow, key=key, kind=STATUS_REPORT,
                         recipients=[get_settings().manager_email],
                         subject=f"Ugentlig status for samarbejdsaftaler, uge {week} {year}",
                         body=report_text(lines, day))
        uow.commit()
    return key if queued else None
