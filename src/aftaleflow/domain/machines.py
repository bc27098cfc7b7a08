"""The three lifecycles — agreement, approval, implementation — declared once, as data.

Everything else reads these declarations: the service layer fires triggers through a
`transitions.Machine` built from them, error messages list the allowed triggers, the API and
dashboard offer the allowed actions, and the lifecycle diagram is drawn from them.
Triggers marked `automatic` are fired by the system (e.g. when the last council approves), never
by a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from transitions import Machine
from transitions.core import EventData

from aftaleflow.domain.access import PERMISSIONS, Role
from aftaleflow.domain.errors import GuardFailed, TransitionNotAllowed, ValidationFailed


@dataclass(frozen=True)
class State:
    name: str
    label: str
    final: bool = False
    on_enter: str | None = None  # a named effect the service layer runs on entry


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    label: str
    guards: tuple[str, ...] = ()
    automatic: bool = False
    irreversible: bool = False  # cannot be undone: offered apart, and only with a reason


@dataclass(frozen=True)
class Guard:
    name: str
    label: str


@dataclass(frozen=True)
class MachineSpec:
    name: str
    label: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    guards: tuple[Guard, ...] = field(default=())
    # The action in the one permission table (domain.access) that allows a user's triggers.
    permission: str = "agreement.advance"

    # -- lookups -------------------------------------------------------------------------
    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def label_of(self, state: str) -> str:
        return self.state(state).label

    def guard_label(self, name: str) -> str:
        return next((g.label for g in self.guards if g.name == name), name)

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def allowed_triggers(self, state: str, *, include_automatic: bool = False) -> list[str]:
        return list(
            dict.fromkeys(
                t.trigger
                for t in self.transitions_from(state)
                if include_automatic or not t.automatic
            )
        )

    def automatic_transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions_from(state) if t.automatic]

    def guards_of(self, trigger: str) -> set[str]:
        return {g for t in self.transitions if t.trigger == trigger for g in t.guards}

    def roles_for(self, trigger: str) -> set[Role]:
        """Who may fire `trigger`: the permission table's roles; nobody for automatic ones."""
        if trigger not in self.triggers or self.is_automatic(trigger):
            return set()
        return set(PERMISSIONS[self.permission])

    def trigger_label(self, trigger: str) -> str:
        return next(t.label for t in self.transitions if t.trigger == trigger)

    def is_irreversible(self, trigger: str) -> bool:
        return any(t.irreversible for t in self.transitions if t.trigger == trigger)

    def needs_reason(self, trigger: str) -> bool:
        """Only with a reason: what the declaration marks irreversible (`Transition`)."""
        return self.is_irreversible(trigger)

    def require_reason(self, trigger: str, reason: str | None) -> None:
        """Refuse an action the declaration allows only with a reason, when none is given."""
        if self.needs_reason(trigger) and not (reason or "").strip():
            raise ValidationFailed(
                f"«{self.trigger_label(trigger)}» kan ikke gøres om: skriv begrundelsen "
                "(kommentar). Intet er ændret.")

    def is_automatic(self, trigger: str) -> bool:
        return all(t.automatic for t in self.transitions if t.trigger == trigger)

    # -- the transitions machine ----------------------------------------------------------
    @cached_property
    def machine(self) -> Machine:
        """Built once per spec (about 120 µs each): used read-only, so it is thread-safe."""
        return Machine(
            model=None,
            states=[s.name for s in self.states],
            initial=self.states[0].name,
            transitions=[
                {
                    "trigger": t.trigger,
                    "source": list(t.sources),
                    "dest": t.dest,
                    "conditions": list(t.guards),
                }
                for t in self.transitions
            ],
            auto_transitions=False,
            send_event=False,
        )

    def next_state(
        self,
        state: str,
        trigger: str,
        facts: Mapping[str, bool] | None = None,
        *,
        allow_automatic: bool = False,
    ) -> str:
        """The state that `trigger` leads to from `state`, or a domain error saying why not.

        `facts` holds the guard values the service layer computed (e.g. all approvals godkendt).
        """
        facts = facts or {}
        if trigger not in self.triggers or (
            self.is_automatic(trigger) and not allow_automatic
        ):
            raise TransitionNotAllowed(self, state, trigger)
        candidates = self.machine.get_transitions(trigger=trigger, source=state)
        if not candidates:
            raise TransitionNotAllowed(self, state, trigger)
        event = EventData(None, None, self.machine, _Facts(state, facts), (), {})
        failed: list[str] = []
        for candidate in candidates:
            missing = [c.func for c in candidate.conditions if not c.check(event)]
            if not missing:
                return str(candidate.dest)
            failed.extend(str(m) for m in missing)
        raise GuardFailed(self, state, trigger, [self.guard_label(g) for g in failed])

    def can_fire(self, state: str, trigger: str, facts: Mapping[str, bool]) -> bool:
        try:
            self.next_state(state, trigger, facts, allow_automatic=True)
        except (TransitionNotAllowed, GuardFailed):
            return False
        return True


class _Facts:
    """The model object the library's conditions are evaluated on: guard name -> bool."""

    def __init__(self, state: str, facts: Mapping[str, bool]) -> None:
        self.state = state
        self._facts = facts

    def __getattr__(self, name: str) -> Any:
        try:
            return self._facts[name]
        except KeyError:
            raise AttributeError(f"guard {name!r} was not computed by the service") from None


# ---------------------------------------------------------------------------------------
# Agreement (samarbejdsaftale)
# ---------------------------------------------------------------------------------------
_ACTIVE = (
    "proevehandling",
    "resultater_forelagt_ssu",
    "under_udarbejdelse",
    "til_behandling_i_ssu",
    "i_godkendelse",
    "genforhandling",
)
_APPROVED = ("godkendt", "under_implementering", "implementeret")

AGREEMENT = MachineSpec(
    name="agreement",
    label="Samarbejdsaftale",
    states=(
        State("proevehandling", "Prøvehandling"),
        State("resultater_forelagt_ssu", "Resultater forelagt SSU"),
        State("under_udarbejdelse", "Under udarbejdelse"),
        State("til_behandling_i_ssu", "Til behandling i SSU"),
        State("i_godkendelse", "I godkendelse", on_enter="start_approval_round"),
        State("godkendt", "Godkendt", on_enter="create_implementations"),
        State("under_implementering", "Under implementering"),
        State("implementeret", "Implementeret"),
        State("genforhandling", "Genforhandling"),
        State("tilbagetrukket", "Tilbagetrukket", final=True),
        State("udloebet", "Udløbet", final=True),
        State("erstattet", "Erstattet", final=True),
    ),
    guards=(
        Guard("has_approvers", "der findes godkendende parter i stamdata på datoen"),
        Guard("all_approved", "alle parter har godkendt"),
        Guard("any_rejected", "mindst én part har afvist"),
        Guard("all_implemented", "alle klynger har implementeret"),
    ),
    transitions=(
        Transition("forelaeg_ssu", ("proevehandling",), "resultater_forelagt_ssu",
                   "Forelæg prøvehandlingens resultater for SSU"),
        Transition("paabegynd_udarbejdelse", ("resultater_forelagt_ssu",), "under_udarbejdelse",
                   "Påbegynd udarbejdelse af samarbejdsaftale"),
        Transition("send_til_ssu", ("under_udarbejdelse", "genforhandling"),
                   "til_behandling_i_ssu", "Send til behandling i SSU"),
        Transition("tilbage_til_udarbejdelse", ("til_behandling_i_ssu",), "under_udarbejdelse",
                   "Send tilbage til udarbejdelse"),
        Transition("indstil_til_godkendelse", ("til_behandling_i_ssu",), "i_godkendelse",
                   "SSU indstiller aftalen til godkendelse", guards=("has_approvers",)),
        Transition("godkend", ("i_godkendelse",), "godkendt",
                   "Alle parter har godkendt", guards=("all_approved",), automatic=True),
        Transition("send_til_genforhandling", ("i_godkendelse",), "genforhandling",
                   "En part har afvist: genforhandling", guards=("any_rejected",),
                   automatic=True),
        Transition("start_implementering", ("godkendt",), "under_implementering",
                   "Start implementering i klyngerne"),
        Transition("afslut_implementering", ("under_implementering",), "implementeret",
                   "Alle klynger har implementeret", guards=("all_implemented",),
                   automatic=True),
        Transition("tilbagetraek", (*_ACTIVE, "godkendt"), "tilbagetrukket",
                   "Træk aftalen tilbage", irreversible=True),
        Transition("marker_udloebet", _APPROVED, "udloebet", "Markér aftalen som udløbet",
                   irreversible=True),
        Transition("marker_erstattet", _APPROVED, "erstattet",
                   "Markér aftalen som erstattet af en ny", irreversible=True),
    ),
)

# ---------------------------------------------------------------------------------------
# Approval per party (godkendelse)
# ---------------------------------------------------------------------------------------
APPROVAL = MachineSpec(
    name="approval",
    label="Godkendelse",
    permission="approval.record",
    states=(
        State("afventer", "Afventer"),
        State("sat_paa_dagsorden", "Sat på dagsorden"),
        State("godkendt", "Godkendt", final=True),
        State("afvist", "Afvist", final=True),
        State("udsat", "Udsat"),
    ),
    guards=(
        Guard("round_open", "godkendelsesrunden er åben (aftalen er i godkendelse)"),
        Guard("has_meeting_date", "en mødedato er angivet"),
    ),
    transitions=(
        Transition("saet_paa_dagsorden", ("afventer", "udsat"), "sat_paa_dagsorden",
                   "Sæt på dagsorden", guards=("round_open", "has_meeting_date")),
        Transition("godkend", ("afventer", "sat_paa_dagsorden"), "godkendt",
                   "Godkend", guards=("round_open",)),
        Transition("afvis", ("afventer", "sat_paa_dagsorden"), "afvist",
                   "Afvis", guards=("round_open",), irreversible=True),
        Transition("udsaet", ("sat_paa_dagsorden",), "udsat",
                   "Udsæt behandlingen", guards=("round_open",)),
        Transition("genoptag", ("udsat",), "afventer",
                   "Genoptag med ny mødedato", guards=("round_open", "has_meeting_date")),
    ),
)

# ---------------------------------------------------------------------------------------
# Implementation per cluster (implementering)
# ---------------------------------------------------------------------------------------
IMPLEMENTATION = MachineSpec(
    name="implementation",
    label="Implementering",
    permission="implementation.record",
    states=(
        State("ikke_startet", "Ikke startet"),
        State("i_gang", "I gang"),
        State("implementeret", "Implementeret", final=True),
    ),
    guards=(
        Guard("agreement_approved", "aftalen er godkendt og ikke afsluttet"),
    ),
    transitions=(
        Transition("start", ("ikke_startet",), "i_gang", "Implementering påbegyndt",
                   guards=("agreement_approved",)),
        Transition("afslut", ("i_gang",), "implementeret", "Implementering afsluttet",
                   guards=("agreement_approved",)),
    ),
)

MACHINES: dict[str, MachineSpec] = {m.name: m for m in (AGREEMENT, APPROVAL, IMPLEMENTATION)}

# Which approval trigger a recorded decision means (CLI/API vocabulary -> trigger).
DECISIONS: dict[str, str] = {
    "dagsorden": "saet_paa_dagsorden",
    "godkendt": "godkend",
    "afvist": "afvis",
    "udsat": "udsaet",
    "genoptaget": "genoptag",
}

# Which implementation trigger a recorded status means.
IMPLEMENTATION_STEPS: dict[str, str] = {"i_gang": "start", "implementeret": "afslut"}


ROUND_START = "start_approval_round"  # the entry effect that starts an approval round


def starts_round(trigger: str) -> bool:
    """Whether the agreement trigger enters a state whose entry starts an approval round
    (the moment a new fixed deadline for that round may be given)."""
    return any(AGREEMENT.state(t.dest).on_enter == ROUND_START
               for t in AGREEMENT.transitions if t.trigger == trigger)


def _states_before_a_round() -> frozenset[str]:
    """States from which a new approval round can still start (without being in one)."""
    starts = {s.name for s in AGREEMENT.states if s.on_enter == ROUND_START}
    before: set[str] = set()
    changed = True
    while changed:
        changed = False
        for t in AGREEMENT.transitions:
            for source in t.sources:
                if source not in before | starts and (t.dest in starts or t.dest in before):
                    before.add(source)
                    changed = True
    return frozenset(before)


BEFORE_A_ROUND = _states_before_a_round()


def round_in_view(state: str, round_no: int) -> int:
    """The round an agreement in `state` is about: before a round starts (also after a
    renegotiation) the next one, else the running or last one."""
    return round_no + 1 if state in BEFORE_A_ROUND else round_no


def initial_agreement_state(origin: str) -> str:
    """A prøvehandling starts in its cluster; an SSU-bestilling goes straight to drafting."""
    return "proevehandling" if origin == "proevehandling" else "under_udarbejdelse"
