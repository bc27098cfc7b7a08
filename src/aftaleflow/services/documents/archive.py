"""The archive package of one case (issue 16): gather, render the index, bag and zip.

Read-only: archiving records nothing, so the same case gives the same bytes every time. The
package date is the date of the case's last audit event; everything else is sorted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from aftaleflow import audit
from aftaleflow.archive.bag import write_package
from aftaleflow.documents.archive_index import (
    ArchiveIndexView,
    IndexApproval,
    IndexFile,
    IndexRound,
    render_archive_index,
)
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.machines import AGREEMENT, APPROVAL, IMPLEMENTATION
from aftaleflow.domain.meetings import StoredDocument
from aftaleflow.domain.model import (
    KIND_LABELS,
    Agreement,
    Approval,
    AuditEvent,
    Body,
    Cluster,
    Implementation,
    Region,
)
from aftaleflow.domain.texts import split_names
from aftaleflow.services.agreements.cases import load_visible
from aftaleflow.services.agreements.text_rows import texts_of
from aftaleflow.services.uow import ServiceContext, UnitOfWork
from aftaleflow.services.views import to_jsonable


@dataclass(frozen=True)
class ArchivePackage:
    name: str
    data: bytes
    sha256: str


@dataclass
class _Gathered:
    index: ArchiveIndexView
    payload: dict[str, bytes]
    descriptions: dict[str, str]
    info: dict[str, str]


def _json(value: Any) -> bytes:
    text = json.dumps(to_jsonable(value), ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def archive_case(ctx: ServiceContext, agreement_id: int) -> ArchivePackage:
    """A BagIt package of the whole case as zip bytes (same case, same bytes)."""
    ctx.authorize("document.read")
    with UnitOfWork(ctx, read_only=True) as uow:
        gathered = _gather(uow.session, load_visible(uow.session, ctx.principal, agreement_id))
    files = [IndexFile(path=f"data/{name}", description=gathered.descriptions[name],
                       size=len(data), sha256=hashlib.sha256(data).hexdigest())
             for name, data in sorted(gathered.payload.items())]
    index = render_archive_index(_with_files(gathered.index, files))
    payload = {**gathered.payload, "indeks.pdf": index.pdf}
    root = f"sag-{agreement_id}"
    data = write_package(root, payload, gathered.info, gathered.index.archived_on)
    return ArchivePackage(name=f"{root}.zip", data=data, sha256=hashlib.sha256(data).hexdigest())


def _with_files(view: ArchiveIndexView, files: list[IndexFile]) -> ArchiveIndexView:
    return replace(view, files=files)


def _gather(session: Session, agreement: Agreement) -> _Gathered:
    assert agreement.id is not None
    region = session.get(Region, agreement.region_id)
    assert region is not None
    events = list(session.exec(select(AuditEvent).where(
        AuditEvent.agreement_id == agreement.id).order_by(col(AuditEvent.id))))
    check = _chain_check(session, events)
    archived_on = date.fromisoformat(events[-1].at[:10]) if events else \
        agreement.created_at.date()
    rounds = _rounds(session, agreement)
    texts = [_text_json(t) for t in texts_of(session, agreement.id)]
    payload: dict[str, bytes] = {
        "sag.json": _json(_case_json(session, agreement, region)),
        "tekstversioner.json": _json({"tekstversioner": texts}),
        "godkendelser.json": _json({"runder": rounds}),
        "revisionsspor.json": _json({"haendelser": [_event_json(e) for e in events],
                                      "kontrol": check}),
    }
    descriptions = {"sag.json": "Sagens stamdata og implementering",
                    "tekstversioner.json": "Aftalens tekstversioner med runde og dato",
                    "godkendelser.json": "Godkendelser pr. runde med mødedato og protokol",
                    "revisionsspor.json": "Revisionssporets hændelser med hashes og kontrol"}
    for doc in _documents(session, agreement.id):
        name = f"dokumenter/{doc.id:05d}-{doc.kind}{Path(doc.path).suffix or '.pdf'}"
        payload[name] = _document_bytes(doc)
        descriptions[name] = doc.title
    index = ArchiveIndexView(
        agreement_id=agreement.id, title=agreement.title,
        kind=KIND_LABELS.get(agreement.kind, agreement.kind), region=region.name,
        case_number=agreement.kle_number, case_handler=agreement.case_handler,
        state=AGREEMENT.label_of(agreement.state), archived_on=archived_on,
        chain_status=check["status"], events=len(events),
        rounds=[_index_round(r) for r in rounds], files=[])
    info = {"Source-Organization": region.name, "External-Identifier":
            f"aftaleflow-sag-{agreement.id}", "External-Description": agreement.title,
            "Contact-Name": agreement.case_handler, "Internal-Sender-Identifier":
            agreement.kle_number}
    return _Gathered(index=index, payload=payload, descriptions=descriptions, info=info)


def _chain_check(session: Session, events: list[AuditEvent]) -> dict[str, Any]:
    """Each event's own hash, and its link to the event before it in the whole chain."""
    problems = []
    for event in events:
        before = session.exec(select(AuditEvent.hash).where(col(AuditEvent.id) < event.id)
                              .order_by(col(AuditEvent.id).desc()).limit(1)).first()
        if event.prev_hash != (before or audit.GENESIS):
            problems.append(f"hændelse {event.id}: forrige hash passer ikke")
        if audit.event_hash(event, event.prev_hash) != event.hash:
            problems.append(f"hændelse {event.id}: indholdet er ændret")
    return {"status": "intakt" if not problems else "brudt", "fejl": problems,
            "metode": "sha256 over hændelsens felter og forrige hændelses hash "
                      "(aftaleflow.audit.event_hash)"}


def _event_json(e: AuditEvent) -> dict[str, Any]:
    return {"id": e.id, "at": e.at, "actor": e.actor, "entity": e.entity,
            "entity_id": e.entity_id, "agreement_id": e.agreement_id, "trigger": e.trigger,
            "from_state": e.from_state, "to_state": e.to_state, "comment": e.comment,
            "prev_hash": e.prev_hash, "hash": e.hash}


def _rounds(session: Session, agreement: Agreement) -> list[dict[str, Any]]:
    rows = session.exec(select(Approval, Body).join(Body, col(Body.id) == col(Approval.body_id))
                        .where(Approval.agreement_id == agreement.id)
                        .order_by(col(Approval.round_no), col(Body.kind) != "regionsraad",
                                  col(Body.name))).all()
    sent = {t.round_no: t.sent_on for t in texts_of(session, agreement.id or 0) if t.round_no}
    rounds: dict[int, dict[str, Any]] = {}
    for a, body in rows:
        entry = rounds.setdefault(a.round_no, {"runde": a.round_no,
                                               "tekstversion": a.text_version,
                                               "udsendt": sent.get(a.round_no),
                                               "godkendelser": []})
        entry["godkendelser"].append({
            "part": body.name, "organ": body.key, "tilstand": a.state,
            "tilstand_tekst": APPROVAL.label_of(a.state), "frist": a.deadline,
            "moededato": a.meeting_date, "besluttet": a.decided_on,
            "protokolhenvisning": a.protocol_ref, "bemaerkning": a.comment})
    return [rounds[n] for n in sorted(rounds)]


def _index_round(r: dict[str, Any]) -> IndexRound:
    return IndexRound(round_no=r["runde"], text_version=r["tekstversion"], sent_on=r["udsendt"],
                      approvals=[IndexApproval(party=a["part"], state=a["tilstand_tekst"],
                                               meeting_date=a["moededato"],
                                               decided_on=a["besluttet"],
                                               protocol_ref=a["protokolhenvisning"] or "")
                                 for a in r["godkendelser"]])


def _case_json(session: Session, a: Agreement, region: Region) -> dict[str, Any]:
    cluster = session.get(Cluster, a.origin_cluster_id) if a.origin_cluster_id else None
    impls = session.exec(select(Implementation, Cluster).join(
        Cluster, col(Cluster.id) == col(Implementation.cluster_id))
        .where(Implementation.agreement_id == a.id).order_by(col(Cluster.name))).all()
    return {"sag": a.id, "titel": a.title, "beskrivelse": a.description, "type": a.kind,
            "oprindelse": a.origin, "klynge": cluster.name if cluster else None,
            "region": region.name, "sagsnr": a.kle_number, "sagsbehandler": a.case_handler,
            "tilstand": a.state, "tilstand_tekst": AGREEMENT.label_of(a.state),
            "runde": a.round_no, "tekstversion": a.text_version, "oprettet": a.created_at,
            "implementering": [{"klynge": c.name, "tilstand": i.state,
                                "tilstand_tekst": IMPLEMENTATION.label_of(i.state),
                                "startet": i.started_on, "afsluttet": i.completed_on}
                               for i, c in impls]}


def _text_json(t: Any) -> dict[str, Any]:
    return {"version": t.version_no, "runde": t.round_no, "udsendt": t.sent_on,
            "titel": t.title, "beskrivelse": t.description, "aftaletekst": t.body,
            "bilag": split_names(t.attachment_names)}


def _documents(session: Session, agreement_id: int) -> list[StoredDocument]:
    return list(session.exec(select(StoredDocument).where(
        StoredDocument.agreement_id == agreement_id).order_by(col(StoredDocument.id))))


def _document_bytes(doc: StoredDocument) -> bytes:
    """The stored file, refused if it no longer matches its registered sha256."""
    try:
        data = Path(doc.path).read_bytes()
    except OSError:
        raise ValidationFailed(f"Filen til dokument {doc.id} mangler: {doc.path}. Pakken er "
                               "ikke dannet.") from None
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        raise ValidationFailed(f"Filen til dokument {doc.id} er ændret efter den blev dannet "
                               "(sha256 passer ikke). Pakken er ikke dannet.")
    return data
