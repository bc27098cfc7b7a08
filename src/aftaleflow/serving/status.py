"""HTTP status and Danish title of each kind of error, shared by the API and the dashboard.

Both adapters answer the same error with the same status (problem+json in the API, a page in
the dashboard); the mapping lives here so neither reaches into the other.
"""

from __future__ import annotations

from aftaleflow.domain.errors import (
    ActionRefused,
    Conflict,
    DomainError,
    GuardFailed,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from aftaleflow.services.uow import DatabaseUnavailable

TITLES = {
    400: "Ugyldig forespørgsel",
    401: "Ikke logget ind",
    403: "Ingen adgang",
    404: "Findes ikke",
    405: "Metoden er ikke tilladt",
    409: "Konflikt",
    413: "For stor forespørgsel",
    415: "Forkert indholdstype",
    422: "Ugyldige data",
    428: "If-Match mangler",
    503: "Databasen er ikke tilgængelig",
}


def status_of(exc: DomainError) -> int:
    """The HTTP status an adapter answers a domain error with."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict | TransitionNotAllowed | GuardFailed | ActionRefused):
        return 409
    if isinstance(exc, ValidationFailed):
        return 422
    if isinstance(exc, DatabaseUnavailable):
        return 503
    return 400
