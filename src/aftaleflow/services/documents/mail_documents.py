"""The documents outgoing mail carries, found or made for many messages at once.

- A party's request for approval (the letter with its council's draft appended, and the draft
  as Word and as PDF) is rendered once per party and round. The round letter and both rykkere
  carry those stored files by reference (`stored_requests`); only a party whose request was
  not rendered in the current round gets it rendered (`requests_for`).
- An eskalering letter is rendered once per distinct content: the parties of one round that
  share a deadline get the same letter, rendered, stored and registered once
  (`escalation_letters`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from aftaleflow import documents as docs
from aftaleflow.documents import viewmodels as vm
from aftaleflow.documents.prepare import letter_document
from aftaleflow.domain.errors import ValidationFailed
from aftaleflow.domain.meetings import StoredDocument
from aftaleflow.domain.model import Approval, AuditEvent, Body
from aftaleflow.services.documents.case_documents import (
    DocumentRecord,
    RequestDocuments,
    _record,
    _register,
    _render,
    approval_request,
    letters_data,
)
from aftaleflow.services.uow import ServiceContext, UnitOfWork

REQUEST_KINDS = ("anmodning_om_godkendelse", "udkast_dagsordenpunkt",
                 "udkast_dagsordenpunkt_docx")
CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def _parties(ctx: ServiceContext, approval_ids: Iterable[int]) -> dict[int, tuple[int, int, str]]:
    """approval id -> (agreement id, body id, body key)."""
    wanted = sorted(set(approval_ids))
    found: dict[int, tuple[int, int, str]] = {}
    with UnitOfWork(ctx, read_only=True) as uow:
        for chunk in _chunks(wanted):
            for approval_id, agreement_id, body_id, key in uow.session.execute(
                    select(Approval.id, Approval.agreement_id, Approval.body_id, Body.key)
                    .join(Body, col(Body.id) == col(Approval.body_id))
                    .where(col(Approval.id).in_(chunk))).all():
                found[approval_id] = (agreement_id, body_id, key)
    return found


def stored_requests(ctx: ServiceContext, approval_ids: Iterable[int]) -> dict[int,
                                                                             RequestDocuments]:
    """The request documents registered for each approval's party since its round began (the
    newest entry into `i_godkendelse` in the audit chain), whose files are intact."""
    ctx.authorize("document.read")
    parties = _parties(ctx, approval_ids)
    agreements = sorted({agreement_id for agreement_id, _, _ in parties.values()})
    if not agreements:
        return {}
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        starts = dict(s.execute(
            select(AuditEvent.agreement_id, func.max(AuditEvent.id))
            .where(col(AuditEvent.agreement_id).in_(agreements),
                   AuditEvent.entity == "agreement", AuditEvent.to_state == "i_godkendelse")
            .group_by(col(AuditEvent.agreement_id))).all())
        made = dict(s.execute(
            select(AuditEvent.entity_id, AuditEvent.id)
            .where(col(AuditEvent.agreement_id).in_(agreements),
                   AuditEvent.entity == "document", AuditEvent.trigger == "dan_dokument")
        ).all())
        rows = s.exec(select(StoredDocument).where(
            col(StoredDocument.agreement_id).in_(agreements),
            col(StoredDocument.kind).in_(REQUEST_KINDS),
            col(StoredDocument.recipient_body_id).is_not(None))
            .order_by(col(StoredDocument.id))).all()
    newest: dict[tuple[int | None, int | None, str], StoredDocument] = {}
    for row in rows:
        start = starts.get(row.agreement_id)
        if start is not None and made.get(row.id, 0) > start:
            newest[(row.agreement_id, row.recipient_body_id, row.kind)] = row
    intact: dict[str, bool] = {}
    found = {}
    for approval_id, (agreement_id, body_id, _key) in parties.items():
        letter, draft_pdf, draft_docx = (newest.get((agreement_id, body_id, kind))
                                         for kind in REQUEST_KINDS)
        if letter and draft_pdf and draft_docx and all(
                _intact(intact, row) for row in (letter, draft_pdf, draft_docx)):
            found[approval_id] = RequestDocuments(letter=_record(letter),
                                                  draft_pdf=_record(draft_pdf),
                                                  draft_docx=_record(draft_docx))
    return found


def _intact(seen: dict[str, bool], row: StoredDocument) -> bool:
    """The stored file is there with its registered bytes (else it is made again)."""
    if row.path not in seen:
        try:
            seen[row.path] = hashlib.sha256(Path(row.path).read_bytes()).hexdigest() == \
                row.sha256
        except OSError:
            seen[row.path] = False
    return seen[row.path]


def requests_for(ctx: ServiceContext, approval_ids: Iterable[int]) -> dict[int,
                                                                          RequestDocuments]:
    """Each approval's request documents of its current round: stored ones by reference, the
    others rendered now (once per party; the next message finds them stored)."""
    ctx.authorize("document.write")
    wanted = sorted(set(approval_ids))
    found = stored_requests(ctx, wanted)
    missing = [a for a in wanted if a not in found]
    for approval_id, (agreement_id, _body, key) in _parties(ctx, missing).items():
        found[approval_id] = approval_request(ctx, agreement_id, key)
    return found


def escalation_letters(ctx: ServiceContext, approval_ids: Iterable[int]) -> dict[int,
                                                                               DocumentRecord]:
    """The eskalering letter about each approval's party, rendered once per distinct content
    (the same HTML gives the same PDF: it is rendered, stored and registered once)."""
    ctx.authorize("document.write")
    by_agreement: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for approval_id, (agreement_id, _body, key) in sorted(_parties(ctx, approval_ids).items()):
        by_agreement[agreement_id].append((approval_id, key))
    made: dict[str, DocumentRecord] = {}
    found = {}
    for agreement_id, parties in by_agreement.items():
        letters = letters_data(ctx, vm.LetterKind.ESCALATION, agreement_id,
                               [key for _, key in parties])
        for (approval_id, _key), (letter, body_id, _draft) in zip(parties, letters,
                                                                 strict=True):
            html = _letter_html(letter)
            record = made.get(html)
            if record is None:
                record = made[html] = _register(
                    ctx, _render(partial(docs.render_letter, letter)),
                    agreement_id=agreement_id, body_id=body_id)
            found[approval_id] = record
    return found


def _letter_html(letter: vm.LetterView) -> str:
    """The letter's final HTML (what decides its bytes); data errors in Danish."""
    try:
        return letter_document(letter).html
    except docs.DocumentDataError as exc:
        raise ValidationFailed(exc.message) from exc
