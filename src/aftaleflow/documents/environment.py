"""The Jinja environment for the letter templates: autoescaped, strict, with Danish filters.

Every template in `templates/letters/` is HTML and every value put into it is escaped, except
what the `markdown` filter returns, which is built to be inert (see `markup`).
"""

from __future__ import annotations

import hashlib
from datetime import date, time
from functools import cache
from importlib.metadata import version
from pathlib import Path

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.markup import markdown_to_html

LOCALE = "da"


def long_date(day: date | None) -> str:
    """ "30. august 2021", as seed 004 writes Mødedato."""
    return format_date(day, format="long", locale=LOCALE) if day else ""


def full_date(day: date | None) -> str:
    """ "mandag den 30. august 2021", the usual meeting header."""
    return format_date(day, format="full", locale=LOCALE) if day else ""


def short_date(day: date | None) -> str:
    """ "30.08.2021", for narrow table cells."""
    return day.strftime("%d.%m.%Y") if day else ""


def clock(moment: time | None) -> str:
    """ "kl. 16.00", the Danish way of writing a time of day."""
    return f"kl. {moment:%H.%M}" if moment else ""


def at_clause(clause: str) -> str:
    """One clause of an indstilling, always starting "at ..." (given with or without it)."""
    text = clause.strip()
    if text[:3].lower() == "at " or text.lower() == "at":
        return text
    return f"at {text}"


@cache
def jinja_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """One environment per templates directory (Jinja caches compiled templates in it)."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=long_date,
        full_date=full_date,
        short_date=short_date,
        clock=clock,
        at_clause=at_clause,
        markdown=markdown_to_html,
    )
    return env


@cache
def template_version(templates_dir: Path = TEMPLATES_DIR) -> str:
    """A digest of every template, stylesheet and font, this engine's code and WeasyPrint's
    version: everything besides the data that decides the bytes.

    Two renderings with the same data and the same template version give the same bytes, so
    this is what a stored document records to say how it was made.
    """
    digest = hashlib.sha256(f"weasyprint {version('weasyprint')}\0".encode())
    engine_dir = Path(__file__).resolve().parent
    sources = [(f"templates/{p.relative_to(templates_dir).as_posix()}", p)
               for p in templates_dir.rglob("*") if _is_source(p, templates_dir)]
    sources += [(f"engine/{p.name}", p) for p in engine_dir.glob("*.py")]
    for name, path in sorted(sources):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _is_source(path: Path, root: Path) -> bool:
    """Files that shape the output; hidden files and caches do not."""
    parts = path.relative_to(root).parts
    return path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in parts)
