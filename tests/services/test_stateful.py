"""Hypothesis drives random sequences of triggers and decisions; invariants must always hold."""

from __future__ import annotations

import atexit
import contextlib
import itertools
import shutil
import tempfile
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from aftaleflow.db import make_engine
from aftaleflow.domain.errors import DomainError, GuardFailed, TransitionNotAllowed
from aftaleflow.domain.machines import (
    AGREEMENT,
    APPROVAL,
    DECISIONS,
    IMPLEMENTATION,
    IMPLEMENTATION_STEPS,
)
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement, get_agreement, history
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.uow import ServiceContext
from tests.conftest import Databases, freeze
from tests.factories import TRIAL_GOEDSTRUP, MovableClock, Spec, new_agreement

ALL_FACTS_TRUE = {g.name: True for spec in (AGREEMENT, APPROVAL, IMPLEMENTATION)
                  for g in spec.guards}
SPECS = [Spec(), TRIAL_GOEDSTRUP,
         Spec(kind="regional_samarbejdsaftale", region="nordjylland", cluster=None)]
APPROVED = ("godkendt", "under_implementering", "implementeret")
_runs = itertools.count()
MACHINE_OF = {"agreement": AGREEMENT, "approval": APPROVAL, "implementation": IMPLEMENTATION}


@lru_cache(maxsize=1)
def _databases() -> Databases:
    folder = tempfile.mkdtemp(prefix="aftaleflow-stateful-")
    atexit.register(shutil.rmtree, folder, True)
    dbs = Databases(Path(folder))
    freeze(dbs, "stateful_template")
    return dbs


class AgreementLifecycle(RuleBasedStateMachine):
    agreements = Bundle("agreements")

    def __init__(self) -> None:
        super().__init__()
        self.name = f"run{next(_runs)}"
        self.engine = make_engine(_databases().create(self.name, "stateful_template"))
        self.clock = MovableClock()
        self.ctx = ServiceContext(engine=self.engine, actor="hypothesis", clock=self.clock)
        self.ids: list[int] = []

    def teardown(self) -> None:
        self.engine.dispose()
        _databases().drop(self.name)

    @rule(target=agreements, spec=st.sampled_from(SPECS))
    def create(self, spec: Spec) -> int:
        view = new_agreement(self.ctx, spec)
        self.ids.append(view.id)
        return view.id

    @rule(agreement=agreements, trigger=st.sampled_from(AGREEMENT.triggers))
    def fire(self, agreement: int, trigger: str) -> None:
        before = get_agreement(self.ctx, agreement)
        try:
            after = advance_agreement(self.ctx, agreement, trigger, comment="Begrundet")
        except (TransitionNotAllowed, GuardFailed) as err:
            assert get_agreement(self.ctx, agreement).version == before.version
            assert err.allowed == AGREEMENT.allowed_triggers(before.state)
            return
        assert trigger in AGREEMENT.allowed_triggers(before.state)
        assert after.version > before.version

    @rule(agreement=agreements, pick=st.integers(0, 25), word=st.sampled_from(list(DECISIONS)),
          days=st.integers(1, 40))
    def decide(self, agreement: int, pick: int, word: str, days: int) -> None:
        view = get_agreement(self.ctx, agreement)
        if not view.approvals:
            return
        party = view.approvals[pick % len(view.approvals)]
        self.clock.tick(1)
        meeting = self.clock().date() + timedelta(days=days)
        try:
            record_decision(self.ctx, agreement, Decision(party=party.body_key, decision=word,
                                                          meeting_date=meeting,
                                                          comment="Begrundet"))
        except (TransitionNotAllowed, GuardFailed):
            assert get_agreement(self.ctx, agreement).version == view.version

    @rule(agreement=agreements, pick=st.integers(0, 5),
          step=st.sampled_from(list(IMPLEMENTATION_STEPS)))
    def implement(self, agreement: int, pick: int, step: str) -> None:
        view = get_agreement(self.ctx, agreement)
        if not view.implementations:
            return
        cluster = view.implementations[pick % len(view.implementations)].cluster_key
        try:
            record_implementation(self.ctx, agreement, cluster, step, on=date(2026, 9, 1))
        except DomainError:
            assert get_agreement(self.ctx, agreement).version == view.version

    @rule(agreement=agreements)
    def everyone_approves(self, agreement: int) -> None:
        """Random decisions rarely complete a round of 20; this rule drives one to the end."""
        view = get_agreement(self.ctx, agreement)
        for party in view.approvals:
            if view.state != "i_godkendelse":
                break
            with contextlib.suppress(TransitionNotAllowed, GuardFailed):
                view = record_decision(self.ctx, agreement,
                                       Decision(party=party.body_key, decision="godkendt"))

    @invariant()
    def approved_if_and_only_if_all_parties_approved(self) -> None:
        for agreement_id in self.ids:
            view = get_agreement(self.ctx, agreement_id)
            states = {a.state for a in view.approvals}
            if view.state in APPROVED:
                assert states == {"godkendt"}
            if view.state == "i_godkendelse":
                assert states != {"godkendt"} and "afvist" not in states
            if view.state == "genforhandling":
                assert "afvist" in states
            if view.state == "implementeret":
                assert {i.state for i in view.implementations} == {"implementeret"}

    @invariant()
    def states_change_only_by_declared_transitions(self) -> None:
        for agreement_id in self.ids:
            for event in history(self.ctx, agreement_id):
                if event.trigger == "opret":
                    continue
                spec = MACHINE_OF[event.entity]
                assert event.from_state is not None
                assert spec.next_state(event.from_state, event.trigger, ALL_FACTS_TRUE,
                                       allow_automatic=True) == event.to_state

    @invariant()
    def audit_chain_verifies(self) -> None:
        assert verify_chain(self.ctx).ok


AgreementLifecycle.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_agreement_lifecycle = AgreementLifecycle.TestCase
