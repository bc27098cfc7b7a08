"""Run by test_kill as a separate process: many transitions on several agreements, forever.

Prints one line per committed service call, so the test knows when to kill it.
Usage: python -m tests.faults.batch_worker URL AGREEMENT_ID...
"""

from __future__ import annotations

import sys

from aftaleflow.db import make_engine
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.uow import ServiceContext

# A renegotiation loop: each pass starts a new approval round (six parties for Lillebælt).
STEPS = ("send_til_ssu", "indstil_til_godkendelse", "afvist")


def main(url: str, ids: list[int]) -> None:
    ctx = ServiceContext(engine=make_engine(url), actor="batch")
    step = 0
    while True:  # stopped by SIGKILL (the test bounds it with a timeout too)
        for agreement_id in ids:
            trigger = STEPS[step % len(STEPS)]
            if trigger == "afvist":
                record_decision(ctx, agreement_id, Decision(party="Vejle", decision="afvist",
                                                                comment="Begrundet"))
            else:
                advance_agreement(ctx, agreement_id, trigger)
            print(f"{agreement_id} {trigger}", flush=True)
        step += 1


if __name__ == "__main__":
    main(sys.argv[1], [int(a) for a in sys.argv[2:]])
