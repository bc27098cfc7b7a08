"""The shape of the master-data files, checked field by field with the file's line numbers.

A broken file must never be half-loaded: `parse` either returns every file's content or
raises `MasterDataInvalid` naming file, line and field of each problem, in Danish.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aftaleflow.domain.errors import ValidationFailed

Confidence = Literal["confirmed", "probable", "disputed"]
Approver = Literal["municipal_councils_of_region", "municipal_councils_of_area",
                   "regional_council", "named_municipal_councils"]
Implementer = Literal["areas_of_region", "origin_area", "areas_of_named_municipalities"]
APPROVER_SELECTORS: tuple[str, ...] = get_args(Approver)
IMPLEMENTER_SELECTORS: tuple[str, ...] = get_args(Implementer)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class SuccessionIn(_Row):
    valid_from: date
    successors: list[str]
    confirmed: bool = False
    source: str = ""


class RegionIn(_Row):
    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    code: str | None = None
    valid_from: date
    valid_to: date | None = None
    note: str | None = None
    succession: SuccessionIn | None = None


class RegionMembershipIn(_Row):
    region: str
    valid_from: date
    valid_to: date | None = None


class MunicipalityIn(_Row):
    code: str = Field(pattern=r"^\d{3}$")
    name: str = Field(min_length=1)
    regions: list[RegionMembershipIn]


class MemberIn(_Row):
    municipality: str
    name: str | None = None
    confidence: Confidence
    source: str = Field(min_length=1)
    valid_from: date | None = None
    valid_to: date | None = None


class AreaIn(_Row):
    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: Literal["sundhedsklynge", "sundhedsraad"]
    region: str
    acute_hospital: str | None = None
    valid_from: date
    valid_to: date | None = None
    succession: SuccessionIn | None = None
    members: list[MemberIn]


class BodyIn(_Row):
    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    region: str | None = None
    municipality: str | None = None
    cluster: str | None = None
    email: str | None = None
    valid_from: date
    valid_to: date | None = None
    succession: SuccessionIn | None = None


class RuleIn(_Row):
    kind: str = Field(min_length=1)
    valid_from: date
    valid_to: date | None = None
    approvers: list[Approver] = Field(min_length=1)
    implementers: Implementer
    forum: str | None = None
    area_kind: Literal["sundhedsklynge", "sundhedsraad"]
    confirmed: bool
    source: str = Field(min_length=1)


class OriginIn(_Row):
    key: str = Field(min_length=1, pattern=r"^[a-z_]+$")
    label: str = Field(min_length=1)
    valid_from: date
    valid_to: date | None = None
    first_state: Literal["proevehandling", "under_udarbejdelse"]
    confirmed: bool
    source: str = Field(min_length=1)


# top-level key -> (file it must be in, row model)
SECTIONS: dict[str, tuple[str, type[_Row]]] = {
    "regions": ("regions.yaml", RegionIn),
    "municipalities": ("municipalities.yaml", MunicipalityIn),
    "areas": ("areas.yaml", AreaIn),
    "bodies": ("bodies.yaml", BodyIn),
    "rules": ("approval_rules.yaml", RuleIn),
    "origins": ("approval_rules.yaml", OriginIn),
}


class MasterDataInvalid(ValidationFailed):
    """One or more problems in the files; `problems` are Danish lines with file and line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:20]
        more = f"\n  … og {len(problems) - 20} fejl mere" if len(problems) > 20 else ""
        super().__init__("Stamdata er ikke indlæst (intet er ændret):\n  "
                         + "\n  ".join(shown) + more)


class _PlainLoader(yaml.SafeLoader):
    """Dates stay text here, so a bad date is reported by field and line, not by PyYAML."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class Located:
    """A parsed file with its node tree, to turn a path of keys into a line number."""

    def __init__(self, name: str, node: yaml.Node | None, data: Any) -> None:
        self.name = name
        self.node = node
        self.data = data

    def line(self, path: tuple[Any, ...]) -> int:
        node = self.node
        line = node.start_mark.line + 1 if node is not None else 1
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == step), None)
                if child is None:  # a missing field: point at the mapping it belongs in
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
                    and step < len(node.value):
                child = node.value[step]
            else:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def where(self, path: tuple[Any, ...]) -> str:
        field = ".".join(str(p) for p in path if not isinstance(p, int)) or "-"
        return f"{self.name}, linje {self.line(path)}, felt '{field}'"


def load_yaml(name: str, raw: bytes) -> Located:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MasterDataInvalid([f"{name}: filen er ikke UTF-8 (byte {exc.start})."]) from None
    loader = _PlainLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise MasterDataInvalid(
            [f"{name}, linje {line}: ikke gyldig YAML ({exc.problem or exc.context})."]
        ) from None
    finally:
        loader.dispose()
    return Located(name, node, data)


_MESSAGES = {
    "missing": "feltet mangler",
    "extra_forbidden": "ukendt felt (stavefejl?)",
    "literal_error": "ugyldig værdi",
    "string_pattern_mismatch": "ugyldigt format (kommunekode: tre cifre)",
    "bool_parsing": "skal være true eller false",
    "bool_type": "skal være true eller false",
    "list_type": "skal være en liste",
    "model_type": "skal være en afbildning (felt: værdi)",
    "string_type": "skal være tekst",
    "string_too_short": "må ikke være tom",
}


def _message(error: Any) -> str:
    kind = error["type"]
    value = error.get("input")
    shown = f" '{str(value)[:40]}'" if value is not None and kind != "missing" else ""
    if kind.startswith("date"):
        return f"ugyldig dato{shown} (brug ÅÅÅÅ-MM-DD, fx 2027-01-01)"
    if kind == "literal_error":
        return f"ugyldig værdi{shown}; mulige: {error.get('ctx', {}).get('expected', '')}"
    return _MESSAGES.get(kind, "ugyldig værdi") + (shown if kind != "missing" else "")


def validate_rows(located: Located, section: str, model: type[_Row]) -> tuple[
        list[dict[str, Any]], list[int], list[str]]:
    """Rows of one section that are valid, as plain dicts (only the fields given), their
    positions in the file, and the problems found in the others."""
    rows = located.data.get(section) if isinstance(located.data, dict) else None
    if not isinstance(rows, list):
        return [], [], [f"{located.name}, linje 1: listen '{section}:' mangler."]
    out: list[dict[str, Any]] = []
    positions: list[int] = []
    problems: list[str] = []
    for i, row in enumerate(rows):
        try:
            out.append(model.model_validate(row).model_dump(exclude_unset=True))
            positions.append(i)
        except ValidationError as exc:
            for err in exc.errors():
                path = (section, i, *err["loc"])
                problems.append(f"{located.where(path)}: {_message(err)}.")
    return out, positions, problems


def keys_given(located: Located, section: str) -> set[str]:
    """Every key (or kommunekode) written in a section, valid row or not: a reference to a
    row with a problem of its own is not reported a second time as unknown."""
    rows = located.data.get(section) if isinstance(located.data, dict) else None
    return {str(r.get("key") or r.get("code")) for r in rows or [] if isinstance(r, dict)}
