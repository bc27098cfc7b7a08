"""Aktindsigt (offentlighedsloven): the case as it may be handed out, built on the archive pack.

The package is an archive package (`services.documents.archive`, checked by the same
`aftaleflow archive verify`) holding only what may be handed out: the case, the text
versions sent to the parties (drafts are internal), every party's decision, the audit events
not about withheld parts, the documents sent out and the public agendas and minutes of the
meetings where the case was an open item. `undtaget.json` and the cover list each withheld
part with the paragraph given for it (closed agenda items, internal documents, earlier
requesters). The request (requester and the day it was received) is an audit event, recorded
before the package is made, so the package holds it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from aftaleflow.archive.bag import write_package
from aftaleflow.documents.archive_index import IndexFile, render_archive_index
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.meetings import AgendaItem, Meeting, StoredDocument
from aftaleflow.domain.model import AuditEvent, Body
from aftaleflow.domain.publication import GROUNDS, Ground
from aftaleflow.domain.validation import clean_text
from aftaleflow.services.agreements.cases import load_visible
from aftaleflow.services.agreements.text_rows import texts_of
from aftaleflow.services.documents import archive as pack
from aftaleflow.services.uow import ServiceContext, UnitOfWork

INTERNAL_KINDS = {"eskalering": "eskalering til egen leder",
                  "statusrapport": "intern statusrapport"}
PUBLIC_MEETING_KINDS = ("dagsorden_offentlig", "beslutningsprotokol_offentlig")
TRIGGER = "aktindsigt"


@dataclass(frozen=True)
class AktindsigtRequest:
    requester: str
    received_on: date


@dataclass(frozen=True)
class Withheld:
    what: str
    ground: str

    @property
    def paragraph(self) -> str:
        return GROUNDS[self.ground]


@dataclass(frozen=True)
class AktindsigtPackage:
    name: str
    data: bytes
    sha256: str
    withheld: list[Withheld]
    files: int


def aktindsigt_case(ctx: ServiceContext, agreement_id: int,
                    request: AktindsigtRequest) -> AktindsigtPackage:
    """Record the request, then make the package of what may be handed out."""
    ctx.authorize("agreement.advance")
    ctx.authorize("document.read")
    requester = clean_text(request.requester, "anmoder", max_len=200, required=True,
                           single_line=True)
    with UnitOfWork(ctx) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id, lock=True)
        if request.received_on > uow.now.date():
            raise ValidationFailed("Anmodningen kan ikke være modtaget efter i dag.")
        for doc in _documents(uow.session, agreement_id)[0]:
            pack._document_bytes(doc)  # a missing or changed file: refused before recording
        uow.record(entity="agreement", entity_id=agreement_id, agreement_id=agreement_id,
                   trigger=TRIGGER, from_state=agreement.state, to_state=agreement.state,
                   comment=f"Anmodning om aktindsigt fra {requester}, modtaget "
                           f"{request.received_on:%d.%m.%Y}")
        uow.commit()
    with UnitOfWork(ctx, read_only=True) as uow:
        return _package(uow.session, load_visible(uow.session, ctx.principal, agreement_id),
                        requester, request.received_on)


def _package(session: Session, agreement: Any, requester: str, received: date
             ) -> AktindsigtPackage:
    assert agreement.id is not None
    gathered = pack._gather(session, agreement)
    withheld: list[Withheld] = []
    closed = _closed_items(session, agreement.id, withheld)
    docs, left_out = _documents(session, agreement.id, closed)
    withheld += left_out
    payload = {name: data for name, data in gathered.payload.items()
               if not name.startswith("dokumenter/")}
    descriptions = dict(gathered.descriptions)
    for doc in docs:
        name = f"dokumenter/{doc.id:05d}-{doc.kind}{Path(doc.path).suffix or '.pdf'}"
        payload[name] = pack._document_bytes(doc)
        descriptions[name] = doc.title
    payload["tekstversioner.json"] = _texts(session, agreement.id, withheld)
    events = _events(session, agreement.id, closed, {d.id for d in docs}, withheld)
    payload["revisionsspor.json"] = pack._json({
        "haendelser": [pack._event_json(e) for e in events],
        "kontrol": pack._chain_check(session, events)})
    payload["undtaget.json"] = pack._json({"undtaget": [
        {"hvad": w.what, "grund": w.ground, "henvisning": w.paragraph} for w in withheld]})
    payload["anmodning.json"] = pack._json({"anmoder": requester, "modtaget": received,
                                            "sag": agreement.id})
    descriptions.update({
        "undtaget.json": "Det, der er undtaget fra aktindsigt, med lovhenvisning",
        "anmodning.json": "Anmodningen: anmoder og modtagelsesdato",
        "revisionsspor.json": "Revisionssporets hændelser, der kan udleveres, med hashes"})
    files = [IndexFile(path=f"data/{name}", description=descriptions[name], size=len(data),
                       sha256=hashlib.sha256(data).hexdigest())
             for name, data in sorted(payload.items())]
    index = replace(gathered.index, files=files, events=len(events),
                    withheld=[(w.what, w.paragraph) for w in withheld],
                    request=f"Aktindsigt efter anmodning fra {requester}, modtaget "
                            f"{received:%d.%m.%Y}")
    payload["indeks.pdf"] = render_archive_index(index).pdf
    root = f"aktindsigt-sag-{agreement.id}"
    day = date.fromisoformat(events[-1].at[:10]) if events else gathered.index.archived_on
    data = write_package(root, payload, {**gathered.info, "External-Description":
                                         f"Aktindsigt: {agreement.title}"}, day)
    return AktindsigtPackage(f"sag-{agreement.id}-aktindsigt.zip", data,
                             hashlib.sha256(data).hexdigest(), withheld, len(payload))


def _closed_items(session: Session, agreement_id: int, withheld: list[Withheld]) -> set[int]:
    rows = session.exec(select(AgendaItem, Meeting, Body)
                        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
                        .join(Body, col(Body.id) == col(Meeting.body_id))
                        .where(AgendaItem.agreement_id == agreement_id,
                               col(AgendaItem.closed).is_(True))
                        .order_by(col(AgendaItem.id))).all()
    for item, meeting, body in rows:
        withheld.append(Withheld(f"Dagsordenpunkt {item.number} på mødet i {body.name} "
                                 f"{meeting.starts_at:%d.%m.%Y} (lukket punkt)",
                                 Ground.CLOSED_ITEM))
    return {item.id for item, _m, _b in rows if item.id is not None}


def _documents(session: Session, agreement_id: int, closed: set[int] | None = None
               ) -> tuple[list[StoredDocument], list[Withheld]]:
    """The case's documents that may be handed out, and the public agendas and minutes of
    the meetings where it was an open item; the others as withheld."""
    closed = closed or set()
    kept, left_out = [], []
    for doc in pack._documents(session, agreement_id):
        if doc.agenda_item_id in closed:
            left_out.append(Withheld(f"Dokument {doc.id}: dagsordenpunkt til et lukket punkt",
                                     Ground.CLOSED_ITEM))
        elif doc.kind in INTERNAL_KINDS:
            left_out.append(Withheld(f"Dokument {doc.id}: {INTERNAL_KINDS[doc.kind]}",
                                     Ground.INTERNAL))
        else:
            kept.append(doc)
    open_meetings = select(AgendaItem.meeting_id).where(
        AgendaItem.agreement_id == agreement_id, col(AgendaItem.closed).is_(False))
    public = session.exec(select(StoredDocument).where(
        col(StoredDocument.kind).in_(PUBLIC_MEETING_KINDS),
        col(StoredDocument.meeting_id).in_(open_meetings)).order_by(col(StoredDocument.id)))
    return kept + list(public), left_out


def _texts(session: Session, agreement_id: int, withheld: list[Withheld]) -> bytes:
    rows = texts_of(session, agreement_id)
    for t in rows:
        if t.round_no is None:
            withheld.append(Withheld(f"Tekstversion {t.version_no} (udkast, ikke sendt til "
                                     "parterne)", Ground.INTERNAL))
    return pack._json({"tekstversioner": [pack._text_json(t) for t in rows
                                           if t.round_no is not None]})


def _events(session: Session, agreement_id: int, closed: set[int], kept_docs: set[int | None],
            withheld: list[Withheld]) -> list[AuditEvent]:
    events = list(session.exec(select(AuditEvent).where(
        AuditEvent.agreement_id == agreement_id).order_by(col(AuditEvent.id))))
    latest_request = max((e.id or 0 for e in events if e.trigger == TRIGGER), default=0)
    kept = []
    for e in events:
        if e.entity == "agenda_item" and e.entity_id in closed:
            withheld.append(Withheld(f"Hændelse {e.id} i revisionssporet (om et lukket punkt)",
                                     Ground.CLOSED_ITEM))
        elif e.entity == "document" and e.entity_id not in kept_docs:
            withheld.append(Withheld(f"Hændelse {e.id} i revisionssporet (om et dokument, der "
                                     "er undtaget)", Ground.INTERNAL))
        elif e.trigger == TRIGGER and e.id != latest_request:
            withheld.append(Withheld(f"Hændelse {e.id} i revisionssporet (en tidligere "
                                     "anmodning om aktindsigt)", Ground.REQUESTER))
        else:
            kept.append(e)
    return kept

