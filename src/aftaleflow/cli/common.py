"""What every command shares: the service context, error mapping and JSON output.

Heavy libraries (SQLAlchemy, the services) are imported inside the commands, so
`aftaleflow --help` starts fast.
"""

from __future__ import annotations

import functools
import gc
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from aftaleflow.domain.errors import DomainError

if TYPE_CHECKING:
    from aftaleflow.services.context import ServiceContext

P = ParamSpec("P")
R = TypeVar("R")


def group(help_text: str, example: str) -> typer.Typer:
    """A command group with plain help output (fast start-up, no rich formatting) and an
    example on its help page, as every command has."""
    return typer.Typer(help=with_example(help_text, example), no_args_is_help=True,
                       rich_markup_mode=None)


def with_example(help_text: str, example: str) -> str:
    return f"{help_text}\n\nEksempel: {example}"


START_UP_COLLECTION_EVERY = 100_000
"""Allocations between two collections of the youngest generation while the CLI starts
(Python's default: 700). Start-up imports some 100,000 objects that live as long as the
process (modules, classes, functions); the default traverses them again and again, about 35 ms
of `aftaleflow agreement show`'s CPU, and finds next to nothing to collect."""

_thresholds: tuple[int, int, int] | None = None


def starting() -> None:
    """Collect cyclic garbage rarely until `started()` (the command's imports)."""
    global _thresholds
    if _thresholds is None:
        _thresholds = gc.get_threshold()
        gc.set_threshold(START_UP_COLLECTION_EVERY, *_thresholds[1:])


def started() -> None:
    """Start-up is over: what it made is moved out of the collector's way for good
    (`gc.freeze`: modules, classes and functions live as long as the process anyway), and
    Python's own thresholds hold again for the command's work."""
    global _thresholds
    if _thresholds is not None:
        gc.freeze()
        gc.set_threshold(*_thresholds)
        _thresholds = None


def context() -> ServiceContext:
    """The service context; the command's imports are done by now (`started`)."""
    from aftaleflow.services.context import ServiceContext

    started()
    return ServiceContext()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"Fejl: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and database errors into a Danish message and an exit code, no traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            raise fail(exc.message + _options(exc), exc.exit_code) from None
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):
                from aftaleflow.services.context import _db_message

                raise fail(_db_message(exc), 7) from None
            raise

    return wrapper


def _options(exc: DomainError) -> str:
    """The command-line options an error concerns (a service names fields, not options)."""
    fields = getattr(exc, "fields", ())
    names = ", ".join("--" + name.replace("_", "-") for name in fields)
    return f" Se {names}." if names else ""


def print_json(data: Any) -> None:
    from aftaleflow.services.views import to_jsonable

    json.dump(to_jsonable(data), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
