"""A writer process for the restore drill: records decisions until a stop file appears.

`python -m tests.safekeeping.writer URL STOPFILE` prints one line per committed decision.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aftaleflow.db import make_engine
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.uow import ServiceContext
from tests.factories import MovableClock, new_agreement


def main(url: str, stop: Path) -> None:
    ctx = ServiceContext(engine=make_engine(url), actor="writer", clock=MovableClock())
    while not stop.exists():
        case = new_agreement(ctx)
        advance_agreement(ctx, case.id, "send_til_ssu")
        case = advance_agreement(ctx, case.id, "indstil_til_godkendelse")
        for approval in case.approvals:
            if stop.exists():
                break
            record_decision(ctx, case.id, Decision(party=approval.body_key, decision="godkendt"))
            print("decision", case.id, approval.body_key, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
