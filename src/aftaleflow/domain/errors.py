"""Domain errors with Danish messages a user can act on.

Each adapter maps them once: the CLI to an exit code, the API to problem+json.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol


class MachineFacts(Protocol):
    """What an error needs to know of a machine to word itself: plain values, so this module
    imports nothing of the domain (machines.py raises these errors)."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def triggers(self) -> Collection[str]: ...

    def allowed_triggers(self, state: str) -> list[str]: ...

    def is_automatic(self, trigger: str) -> bool: ...

    def label_of(self, state: str) -> str: ...


class DomainError(Exception):
    """Base: `message` is Danish and meant for the user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    exit_code = 3


class ValidationFailed(DomainError):
    """`fields`: the input fields concerned, in the API's spelling (`late_reason`); each
    adapter names them its own way (the CLI as `--late-reason`), never in the message."""

    exit_code = 2

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


class Conflict(DomainError):
    """Someone else changed the row first; nothing was written."""

    exit_code = 4

    def __init__(self, message: str, current_state: str | None = None,
                 current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_state = current_state
        self.current_version = current_version


class TransitionNotAllowed(DomainError):
    """The trigger does not exist or is not allowed in the current state."""

    exit_code = 5

    def __init__(self, spec: MachineFacts, state: str, trigger: str) -> None:
        self.machine = spec.name
        self.state = state
        self.trigger = trigger
        self.allowed = spec.allowed_triggers(state)
        allowed = ", ".join(self.allowed) if self.allowed else "ingen (sluttilstand)"
        known = trigger in spec.triggers
        what = (
            f"Handlingen '{trigger}' er ikke tilladt"
            if known
            else f"Handlingen '{trigger}' findes ikke for {spec.label.lower()}"
        )
        if known and spec.is_automatic(trigger):
            what = f"Handlingen '{trigger}' udføres automatisk af systemet og kan ikke vælges"
        super().__init__(
            f"{what}. {spec.label} er i tilstanden '{spec.label_of(state)}' ({state}). "
            f"Tilladte handlinger: {allowed}."
        )


class GuardFailed(DomainError):
    """The trigger is allowed in this state, but a condition is not met."""

    exit_code = 5

    def __init__(self, spec: MachineFacts, state: str, trigger: str, failed: list[str]) -> None:
        self.machine = spec.name
        self.state = state
        self.trigger = trigger
        self.allowed = spec.allowed_triggers(state)
        self.failed = failed
        super().__init__(
            f"Handlingen '{trigger}' kan ikke udføres i tilstanden '{spec.label_of(state)}': "
            f"betingelsen er ikke opfyldt: {'; '.join(failed)}. "
            f"Tilladte handlinger: {', '.join(self.allowed) or 'ingen'}."
        )


class PermissionDenied(DomainError):
    exit_code = 6


class ActionRefused(DomainError):
    """An action outside the machines that the case's current state does not allow."""

    exit_code = 5

    def __init__(self, message: str, current_state: str | None = None) -> None:
        super().__init__(message)
        self.current_state = current_state


class BackupUnusable(DomainError):
    """A backup file truncated or altered, its manifest missing or not matching, or a restored
    copy that differs from the manifest; nothing was restored."""

    exit_code = 10


class ChainMismatch(DomainError):
    """The audit chain is broken or no longer passes through a signed checkpoint."""

    exit_code = 8


class CheckpointForged(DomainError):
    """A checkpoint file whose signature fails or whose key is not one of ours."""

    exit_code = 9
