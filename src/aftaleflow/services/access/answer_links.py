"""A council's answer link: one party's decision page for one round, without an account.

Every request mail and reminder to a party carries its own link (`afl_` + 256 random bits);
only the secret's SHA-256 is stored, bound to the approval (that party in that round) and the
address it was sent to. A link works while the round runs (and, when
AFTALEFLOW_ANSWER_LINK_DAYS is set, until that many days after the party's deadline), until a
final decision (godkendt or afvist) is recorded through it, or until a case handler revokes it.
Putting the item on an agenda or postponing it does not use it up. Afterwards the page shows
the recorded decision, read-only. The secret never enters a log, a redirect or the audit
trail; the decision's audit event names the address the link was sent to.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, col, select, update

from aftaleflow.config import TIMEZONE, get_settings
from aftaleflow.domain.access import Principal, Role
from aftaleflow.domain.errors import ActionRefused, NotFound
from aftaleflow.domain.machines import APPROVAL
from aftaleflow.domain.meetings import StoredDocument
from aftaleflow.domain.model import Agreement, AnswerLink, Approval, Body
from aftaleflow.services.access.users import hash_token, new_secret
from aftaleflow.services.agreements.approvals import Decision, apply_decision, find_party_approval
from aftaleflow.services.agreements.cases import load_visible
from aftaleflow.services.agreements.party_case import PartyCase, party_case
from aftaleflow.services.agreements.texts import TextVersionView, list_texts
from aftaleflow.services.uow import ServiceContext, UnitOfWork

LINK_PREFIX = "afl_"
DRAFT_KINDS = {".docx": "udkast_dagsordenpunkt_docx", ".pdf": "udkast_dagsordenpunkt"}
FINAL = ("godkendt", "afvist")
CONTACT = ("Kontakt sagsbehandleren, der står i mailen, eller regionens sekretariat for "
           "sundhedssamarbejdet, og bed om et nyt link.")


class LinkRefused(ActionRefused):
    """A forged, expired or revoked link: `kind` says which (falsk | udloebet | tilbagekaldt)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class LinkCase:
    """What the link's page shows: the party's case, and whether the link still acts."""

    case: PartyCase
    sent_to: str
    used: bool  # a final decision is recorded: the page is read-only
    contact: str
    text: TextVersionView | None  # the text version this round asks about


def answer_url(secret: str) -> str:
    return f"{get_settings().base_url}/ui/svar/{secret}"


def issue_link(ctx: ServiceContext, approval_id: int, address: str) -> str:
    """A new link for the approval's party and round, sent to `address`; the secret is returned
    once (for the mail) and only its hash is kept."""
    return issue_links(ctx, [(approval_id, address)])[0]


def issue_links(ctx: ServiceContext, wanted: Sequence[tuple[int, str]]) -> list[str]:
    """`issue_link` for several (approval, address) pairs in one transaction, in order."""
    days = get_settings().answer_link_days
    secrets = []
    with UnitOfWork(ctx) as uow:
        for approval_id, address in wanted:
            approval = uow.session.get(Approval, approval_id)
            if approval is None:
                raise NotFound(f"Godkendelse {approval_id} findes ikke.")
            expires = None
            if days and approval.deadline:
                expires = datetime.combine(approval.deadline + timedelta(days=days + 1),
                                           time(), tzinfo=TIMEZONE)
            secret = new_secret(LINK_PREFIX)
            uow.session.add(AnswerLink(secret_hash=hash_token(secret), approval_id=approval_id,
                                       sent_to=address, created_at=uow.now, expires_at=expires))
            secrets.append(secret)
        uow.commit()
    return secrets


def open_link(ctx: ServiceContext, secret: str) -> LinkCase:
    """The party's page for a valid link (read-only once its decision is recorded)."""
    with UnitOfWork(ctx, read_only=True) as uow:
        link, approval, agreement, body = _check(uow.session, secret, uow.now)
        sent_to, used = link.sent_to, approval.state in FINAL
        agreement_id, body_key = agreement.id or 0, body.key
        handler = agreement.case_handler
    party_ctx = _as_party(ctx, body, sent_to)
    case = party_case(party_ctx, agreement_id, body_key)
    text = next((t for t in list_texts(party_ctx, agreement_id)
                 if t.version_no == case.approval.text_version), None)
    return LinkCase(case=case, sent_to=sent_to, used=used, contact=_contact(handler), text=text)


def answer_by_link(ctx: ServiceContext, secret: str, decision: Decision) -> LinkCase:
    """Record the party's decision through its link, in one transaction with the link's use.

    The audit event's actor names the address the link was sent to; a final decision uses the
    link up, an agenda date or a postponement does not.
    """
    with UnitOfWork(ctx) as uow:
        link, approval, agreement, body = _check(uow.session, secret, uow.now)
        if approval.state in FINAL:
            raise LinkRefused("brugt", "Linket er brugt: beslutningen er allerede registreret.")
        party_ctx = _as_party(ctx, body, link.sent_to)
        uow.ctx = party_ctx
        agreement = load_visible(uow.session, party_ctx.principal, agreement.id or 0, lock=True)
        approval = find_party_approval(uow.session, agreement, body.key)
        apply_decision(uow, agreement, approval, replace(decision, party=body.key))
        if approval.state in FINAL:
            link.used_at = uow.now
            uow.session.add(link)
        uow.commit()
    return open_link(ctx, secret)


def link_draft(ctx: ServiceContext, secret: str, suffix: str) -> tuple[str, bytes]:
    """The party's own draft agenda item (.docx or .pdf) of this round: (file name, bytes)."""
    kind = DRAFT_KINDS.get(suffix)
    if kind is None:
        raise NotFound("Udkastet findes kun som .docx og .pdf.")
    with UnitOfWork(ctx, read_only=True) as uow:
        _link, _approval, agreement, body = _check(uow.session, secret, uow.now)
        row = uow.session.exec(select(StoredDocument).where(
            StoredDocument.agreement_id == agreement.id,
            StoredDocument.recipient_body_id == body.id, StoredDocument.kind == kind)
            .order_by(col(StoredDocument.id).desc())).first()
        if row is None:
            raise NotFound("Udkastet til dagsordenpunkt er ikke dannet endnu.")
        path, name = row.path, f"udkast-dagsordenpunkt-{body.key}{suffix}"
    return name, Path(path).read_bytes()


def revoke_links(ctx: ServiceContext, agreement_id: int, party: str) -> int:
    """Every open link of the party in the current round stops working at once."""
    ctx.authorize("agreement.advance")
    with UnitOfWork(ctx) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        approval = find_party_approval(uow.session, agreement, party)
        count = _revoke(uow, approval)
        uow.commit()
        return count


def _revoke(uow: UnitOfWork, approval: Approval) -> int:
    open_links = uow.session.exec(select(AnswerLink).where(
        AnswerLink.approval_id == approval.id, col(AnswerLink.revoked_at).is_(None),
        col(AnswerLink.used_at).is_(None))).all()
    if open_links:
        uow.session.exec(update(AnswerLink).where(
            col(AnswerLink.id).in_([link.id for link in open_links])
        ).values(revoked_at=uow.now))
        body = uow.session.get(Body, approval.body_id)
        uow.record(entity="approval", entity_id=approval.id,
                   agreement_id=approval.agreement_id, trigger="tilbagekald_svarlink",
                   from_state=None, to_state=None,
                   comment=f"{body.name if body else approval.body_id}: {len(open_links)} "
                           "svarlink(s) tilbagekaldt")
    return len(open_links)


@dataclass(frozen=True)
class LinkStatus:
    sent_to: str
    created_at: datetime
    status: str  # aktivt | brugt | tilbagekaldt | udløbet


def list_links(ctx: ServiceContext, agreement_id: int, party: str) -> list[LinkStatus]:
    """The party's links in the current round (never a secret), oldest first."""
    ctx.authorize("agreement.advance")
    with UnitOfWork(ctx, read_only=True) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        approval = find_party_approval(uow.session, agreement, party)
        rows = uow.session.exec(select(AnswerLink).where(
            AnswerLink.approval_id == approval.id).order_by(col(AnswerLink.id))).all()
        return [LinkStatus(r.sent_to, r.created_at, _status(r, uow.now)) for r in rows]


def _status(link: AnswerLink, now: datetime) -> str:
    if link.used_at is not None:
        return "brugt"
    if link.revoked_at is not None:
        return "tilbagekaldt"
    if link.expires_at is not None and link.expires_at <= now:
        return "udløbet"
    return "aktivt"


def _check(session: Session, secret: str, now: datetime
           ) -> tuple[AnswerLink, Approval, Agreement, Body]:
    """The link's rows, or LinkRefused saying which (never how close a guess was)."""
    if not secret.startswith(LINK_PREFIX) or len(secret) > 200:
        raise LinkRefused("falsk", _forged())
    digest = hash_token(secret)
    link = session.exec(select(AnswerLink).where(AnswerLink.secret_hash == digest)).first()
    if link is None or not hmac.compare_digest(link.secret_hash, digest):
        raise LinkRefused("falsk", _forged())
    approval = session.get(Approval, link.approval_id)
    assert approval is not None
    agreement = session.get(Agreement, approval.agreement_id)
    body = session.get(Body, approval.body_id)
    assert agreement is not None and body is not None
    contact = _contact(agreement.case_handler)
    if link.revoked_at is not None:
        raise LinkRefused("tilbagekaldt", "Linket er tilbagekaldt af sagsbehandleren. "
                          + contact)
    if approval.state not in FINAL:
        ended = agreement.round_no != approval.round_no or agreement.state != "i_godkendelse"
        if ended or (link.expires_at is not None and link.expires_at <= now):
            raise LinkRefused("udloebet", "Linket er udløbet: " + (
                "godkendelsesrunden er afsluttet. " if ended else
                "fristen for at svare via linket er overskredet. ") + contact)
    return link, approval, agreement, body


def _forged() -> str:
    return ("Linket er ugyldigt: det findes ikke. Kontrollér, at hele adressen fra mailen er "
            "kopieret med. " + CONTACT)


def _contact(case_handler: str) -> str:
    return (f"Kontakt sagsbehandleren {case_handler}, eller regionens sekretariat for "
            "sundhedssamarbejdet, og bed om et nyt link.")


def _as_party(ctx: ServiceContext, body: Body, sent_to: str) -> ServiceContext:
    """The link's holder acts as a `part` of exactly that body, named by the address."""
    name = f"svarlink til {sent_to}"
    return ServiceContext(engine=ctx.engine, actor=name, clock=ctx.clock,
                          principal=Principal(name=name, role=Role.PARTY, body_id=body.id))


def label_of(state: str) -> str:
    return APPROVAL.label_of(state)


def resend_link(ctx: ServiceContext, agreement_id: int, party: str) -> str:
    """Revoke the party's open links and queue a new request mail with a fresh link (sent by
    the next outbox delivery); returns the outbox key."""
    from aftaleflow.services.mail.reminders import ROUND_LETTER, enqueue_round_letter

    ctx.authorize("agreement.advance")
    with UnitOfWork(ctx) as uow:
        agreement = load_visible(uow.session, ctx.principal, agreement_id)
        approval = find_party_approval(uow.session, agreement, party)
        body = uow.session.get(Body, approval.body_id)
        assert body is not None
        if agreement.state != "i_godkendelse" or approval.state in FINAL:
            raise LinkRefused("udloebet", f"{body.name} har ikke noget at svare på i runde "
                              f"{agreement.round_no}: intet link sendt.")
        _revoke(uow, approval)
        sent = len(uow.session.exec(select(AnswerLink.id).where(
            AnswerLink.approval_id == approval.id)).all())
        key = f"{ROUND_LETTER}:godkendelse:{approval.id}:gensendt:{uow.now:%Y%m%d%H%M%S}:{sent}"
        enqueue_round_letter(uow, approval, agreement, body, key)
        uow.record(entity="approval", entity_id=approval.id, agreement_id=agreement.id,
                   trigger="gensend_svarlink", from_state=None, to_state=None,
                   comment=f"{body.name}: nyt svarlink sendes")
        uow.commit()
        return key
