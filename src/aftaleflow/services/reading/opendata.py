"""Open data: the public agreements and their decisions as JSON and CSV, schema version 1.

Modelled on Open Civic Data (an agreement is a bill: `identifier`, `classification`,
`jurisdiction`, `sources`; each party's decision a vote event: `organization`, `result`,
`start_date`). Ids are stable URNs (`urn:aftaleflow:aftale:3`, `urn:aftaleflow:beslutning:45`,
`urn:aftaleflow:organ:kb-657`). The JSON Schema is `aftaler-1.schema.json` next to this module,
served at `/offentlig/data/skema/aftaler-1.json`; a change that breaks a reader gets a new
major version and a new file.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from aftaleflow.services.reading.public_views import PublicDecision, PublicList, PublicSummary
from aftaleflow.services.views import utc_z

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).resolve().parent / "aftaler-1.schema.json"
SCHEMA_ADDRESS = "/offentlig/data/skema/aftaler-1.json"
LICENSE = {"name": "Creative Commons Navngivelse 4.0 International (CC BY 4.0)",
           "url": "https://creativecommons.org/licenses/by/4.0/deed.da"}
CSV_COLUMNS = ("agreement_id", "number", "identifier", "title", "classification",
               "jurisdiction", "area", "status", "status_label", "approved", "parties",
               "decision_id", "round", "organization_id", "organization", "result",
               "result_label", "deadline", "meeting_date", "start_date", "protocol_reference")


def schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def _iso(value: Any) -> str | None:
    """Days as ISO dates; moments in the API's one form, UTC with `Z`."""
    if value is None:
        return None
    return utc_z(value) if isinstance(value, datetime) else str(value.isoformat())


def decision_json(d: PublicDecision) -> dict[str, Any]:
    return {"id": f"urn:aftaleflow:beslutning:{d.id}",
            "organization": {"id": f"urn:aftaleflow:organ:{d.party_key}", "name": d.party},
            "round": d.round_no, "text_version": d.text_version, "result": d.state,
            "result_label": d.state_label, "deadline": _iso(d.deadline),
            "meeting_date": _iso(d.meeting_date), "start_date": _iso(d.decided_on),
            "protocol_reference": d.protocol_ref, "updated_at": _iso(d.updated_at)}


def agreement_json(a: PublicSummary, decisions: list[PublicDecision], base_url: str
                   ) -> dict[str, Any]:
    return {"id": f"urn:aftaleflow:aftale:{a.id}", "number": a.id, "identifier": a.kle_number,
            "title": a.title, "classification": a.kind, "classification_label": a.kind_label,
            "jurisdiction": {"id": f"urn:aftaleflow:region:{a.region_key}", "name": a.region},
            "area": {"id": f"urn:aftaleflow:omraade:{a.area_key}", "name": a.area}
            if a.area_key else None,
            "status": a.state, "status_label": a.state_label, "round": a.round_no,
            "year": a.year, "counts": {"approved": a.approved, "parties": a.parties},
            "updated_at": _iso(a.updated_at),
            "sources": [{"url": f"{base_url}/offentlig/aftaler/{a.id}"}],
            "decisions": [decision_json(d) for d in decisions]}


def listing_json(listing: PublicList, decisions: list[PublicDecision], base_url: str,
                 next_url: str | None) -> bytes:
    by_agreement: dict[int, list[PublicDecision]] = {}
    for d in decisions:
        by_agreement.setdefault(d.agreement_id, []).append(d)
    document = {
        "$schema": f"{base_url}{SCHEMA_ADDRESS}", "schema_version": SCHEMA_VERSION,
        "license": LICENSE, "publisher": "aftaleflow",
        "total": listing.total, "page": listing.query.page,
        "per_page": listing.query.per_page, "next": next_url,
        "agreements": [agreement_json(a, by_agreement.get(a.id, []), base_url)
                       for a in listing.items]}
    return orjson.dumps(document)  # UTF-8, compact: a tenth of json.dumps' time


def listing_csv(listing: PublicList, decisions: list[PublicDecision]) -> bytes:
    """One row per decision (an agreement without a round yet: one row, no decision)."""
    by_agreement: dict[int, list[PublicDecision]] = {}
    for d in decisions:
        by_agreement.setdefault(d.agreement_id, []).append(d)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for a in listing.items:
        head = [f"urn:aftaleflow:aftale:{a.id}", a.id, a.kle_number, a.title, a.kind, a.region,
                a.area or "", a.state, a.state_label, a.approved, a.parties]
        rows: list[PublicDecision | None] = list(by_agreement.get(a.id, [])) or [None]
        for row in rows:
            writer.writerow(head + (_decision_cells(row) if row else [""] * 10))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads æøå right


def _decision_cells(d: PublicDecision) -> list[Any]:
    return [f"urn:aftaleflow:beslutning:{d.id}", d.round_no, f"urn:aftaleflow:organ:{d.party_key}",
            d.party, d.state, d.state_label, _iso(d.deadline) or "", _iso(d.meeting_date) or "",
            _iso(d.decided_on) or "", d.protocol_ref or ""]
