"""All flows with their cron schedules (Europe/Copenhagen).

Two ways to run them: `aftaleflow serve` (one process serves them all, fine for one machine),
or `aftaleflow deploy --pool NAME` on a region's shared server: the deployments are registered
with a Prefect server's process work pool, and two or more `prefect worker` processes run them
(deploy/systemd/). The flows are found by module path in the installed package.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

TIMEZONE = "Europe/Copenhagen"


@dataclass(frozen=True)
class Plan:
    flow: str
    name: str
    cron: str
    description: str


PLANS = (
    Plan("daily_reminders", "daglige-rykkere", "0 7 * * 1-5",
         "Hverdage kl. 7: rykkere og eskaleringer"),
    Plan("start_approval_round_letters", "anmodninger-om-godkendelse", "*/15 7-17 * * 1-5",
         "Hvert kvarter i arbejdstiden: anmodninger til parter i nye runder"),
    Plan("prepare_meeting_documents", "dagsordener", "30 6 * * 1-5",
         "Hverdage kl. 6.30: dagsordener til møder, hvis udsendelsesfrist nærmer sig"),
    Plan("weekly_status_report", "ugentlig-status", "0 8 * * 1",
         "Mandag kl. 8: status til ledere"),
    # Daily, so the day of a structure change comes from master data, never from code.
    Plan("structure_carry_over", "strukturoverfoersel", "5 0 * * *",
         "Dagligt kl. 0.05: overfør åbne sager, når en strukturændring i stamdata træder i kraft"),
    Plan("nightly_safekeeping", "natlig-sikkerhedskopi", "30 1 * * *",
         "Dagligt kl. 1.30: kontrolpunkt, sikkerhedskopi, gendannelseskontrol og "
         "opbevaringsregel"),
)


def flows_by_name() -> dict[str, Any]:
    from flows.meetings import prepare_meeting_documents
    from flows.reminders import daily_reminders
    from flows.reports import weekly_status_report
    from flows.rounds import start_approval_round_letters
    from flows.safekeeping import nightly_safekeeping
    from flows.structure import structure_carry_over

    return {f.name: f for f in (daily_reminders, start_approval_round_letters,
                                prepare_meeting_documents, weekly_status_report,
                                structure_carry_over, nightly_safekeeping)}


def deployments() -> list[Any]:
    from prefect.schedules import Cron

    flows = flows_by_name()
    return [flows[p.flow].to_deployment(name=p.name, description=p.description,
                                        schedules=[Cron(p.cron, timezone=TIMEZONE)])
            for p in PLANS]


def serve_all() -> None:
    from prefect import serve

    serve(*deployments(), print_starting_message=True)


def deploy_all(pool: str) -> list[str]:
    """Register every deployment with `pool` (a process pool, created if missing); idempotent."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.flows import EntrypointType
    from prefect.schedules import Cron
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(
            name=pool, type="process",
            base_job_template=ProcessWorker.get_default_base_job_template()))
    flows = flows_by_name()
    return [str(flows[p.flow].deploy(
        name=p.name, work_pool_name=pool, description=p.description,
        schedules=[Cron(p.cron, timezone=TIMEZONE)],
        entrypoint_type=EntrypointType.MODULE_PATH, build=False, push=False,
        print_next_steps=False)) for p in PLANS]
