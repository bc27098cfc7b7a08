"""What a reminder carries, through the real outbox to a real SMTP server (aiosmtpd): the
party's request for approval as the round letter brought it (not a letter of its own, not
rendered again), and an eskalering letter rendered once for the parties that share it."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

from pypdf import PdfReader

from aftaleflow.domain.calendar import danish_long_date
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.mail import SmtpTransport
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import advance_agreement
from aftaleflow.services.documents.case_documents import list_documents
from aftaleflow.services.mail.mailing import send_outbox
from aftaleflow.services.mail.reminders import enqueue_reminders, enqueue_round_letters
from aftaleflow.services.uow import ServiceContext
from aftaleflow.services.views import AgreementView
from tests.factories import agreement_in_state
from tests.smtp_server import ReceivedMail, SmtpTestServer

POLICY = load_policy()
REQUEST_FILES = ("anmodning_om_godkendelse-", "udkast_dagsordenpunkt_docx-",
                 "udkast_dagsordenpunkt-")


def _deadline(view: AgreementView) -> date:
    (deadline,) = {a.deadline for a in view.approvals if a.body_kind == "kommunalbestyrelse"}
    assert deadline is not None
    return deadline


def _send(ctx: ServiceContext) -> list[ReceivedMail]:
    with SmtpTestServer() as server:
        report = send_outbox(ctx, SmtpTransport(server.settings()))
        assert not report.failed and not report.uncertain
        return list(server.received)


def _files(mail: ReceivedMail) -> list[tuple[str, bytes]]:
    return [(a.get_filename() or "", a.get_content()) for a in mail.message.iter_attachments()]


def _kinds(ctx: ServiceContext, agreement_id: int) -> Counter[str]:
    return Counter(d.kind for d in list_documents(ctx, agreement_id=agreement_id))


def test_a_rykker_carries_the_request_the_party_got_with_its_round_letter(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    enqueue_round_letters(ctx)
    requests = {m.message["To"]: _files(m) for m in _send(ctx)}
    registered = _kinds(ctx, view.id)
    assert registered["anmodning_om_godkendelse"] == len(requests) == 7

    assert len(enqueue_reminders(ctx, _deadline(view))) == 12  # rykker 1 and 2, six councils
    rykkere = _send(ctx)
    assert len(rykkere) == 12
    for mail in rykkere:
        text = mail.message.get_body(("plain",)).get_content()
        assert "Vi mangler endnu jeres beslutning" in text and "Sagens forløb:" in text
        files = _files(mail)
        assert [name.startswith(prefix) for (name, _), prefix in zip(
            files, REQUEST_FILES, strict=True)] == [True, True, True]
        assert files == requests[mail.message["To"]]  # the very files, byte for byte
    assert _kinds(ctx, view.id) == registered  # nothing rendered for the rykkere


def test_without_a_round_letter_the_request_is_rendered_once_per_party(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    enqueue_reminders(ctx, _deadline(view))
    rykkere = _send(ctx)
    assert len(rykkere) == 12
    assert _kinds(ctx, view.id)["anmodning_om_godkendelse"] == 6  # not 12
    by_party: dict[str, set[bytes]] = {}
    for mail in rykkere:
        by_party.setdefault(mail.message["To"], set()).add(_files(mail)[0][1])
    assert all(len(letters) == 1 for letters in by_party.values())
    enqueue_round_letters(ctx)  # the round letter sent afterwards reuses them too
    assert len(_send(ctx)) == 7
    assert _kinds(ctx, view.id)["anmodning_om_godkendelse"] == 7  # only the regionsråd's new


def test_the_escalations_of_a_round_share_one_rendered_letter(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    cal = POLICY.calendar
    day = cal.next_business_day_on_or_after(
        cal.add_business_days(_deadline(view), POLICY.reminders.escalate_days_after))
    queued = Counter(m.kind for m in enqueue_reminders(ctx, day))
    assert queued["eskalering"] == 6
    escalations = [m for m in _send(ctx) if m.message["Subject"].startswith("Eskalering")]
    assert len(escalations) == 6
    letters = {_files(m)[0] for m in escalations}
    assert len(letters) == 1  # one letter: the councils share their deadline
    ((name, data),) = letters
    assert name.startswith("eskalering-")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Eskalering" in text and danish_long_date(_deadline(view)) in text.replace("\n", " ")
    assert _kinds(ctx, view.id)["eskalering"] == 1


def test_a_new_round_gets_its_own_request_not_the_last_rounds(ctx, clock) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    enqueue_round_letters(ctx)
    first = {m.message["To"]: _files(m)[0][1] for m in _send(ctx)}
    record_decision(ctx, view.id, Decision(party="Vejle", decision="afvist",
                                           comment="Begrundet"))
    clock.current += timedelta(days=7)
    advance_agreement(ctx, view.id, "send_til_ssu")
    view = advance_agreement(ctx, view.id, "indstil_til_godkendelse")
    assert view.round_no == 2
    enqueue_reminders(ctx, _deadline(view))
    rykkere = _send(ctx)
    assert rykkere
    deadline = danish_long_date(_deadline(view))
    for mail in rykkere:
        letter = _files(mail)[0][1]
        assert letter != first[mail.message["To"]]
        text = PdfReader(io.BytesIO(letter)).pages[0].extract_text().replace("\n", " ")
        assert f"Svarfrist: {deadline}" in text


def test_documents_and_answer_links_are_ready_before_the_first_mail_goes(ctx) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from aftaleflow.domain.model import AnswerLink
    from aftaleflow.services.uow import UnitOfWork

    view = agreement_in_state(ctx, "i_godkendelse")
    enqueue_reminders(ctx, _deadline(view))

    def counts() -> tuple[int, int]:
        with UnitOfWork(ctx, read_only=True) as uow:
            links = uow.session.exec(select(func.count()).select_from(AnswerLink)).one()
        return len(list_documents(ctx, agreement_id=view.id)), links

    class Watching:
        def __init__(self) -> None:
            self.seen: list[tuple[int, int]] = []

        def send(self, mail: object) -> None:
            self.seen.append(counts())

    watching = Watching()
    report = send_outbox(ctx, watching)  # type: ignore[arg-type]
    assert len(report.sent) == len(watching.seen) == 12
    assert set(watching.seen) == {counts()}  # all there at the first mail, nothing added after
    assert counts()[1] == 12  # one answer link per rykker


def test_while_mails_are_built_ahead_the_sender_gets_the_interpreter_back_quickly(ctx) -> None:
    """The switch interval is short while the SMTP dialogues run (the sending thread waits
    less for the building thread after each answer) and as before once the run is over."""
    import sys

    from aftaleflow.services.mail.mailing import HANDOVER
    from tests.smtp_server import RecordingHandler

    seen: list[float] = []

    class Noting(RecordingHandler):
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            seen.append(sys.getswitchinterval())  # the process's: the test's own
            return await super().handle_DATA(server, session, envelope)

    view = agreement_in_state(ctx, "i_godkendelse")
    enqueue_reminders(ctx, _deadline(view))
    before = sys.getswitchinterval()
    server = SmtpTestServer()
    server.handler = Noting(frozenset(), None)
    with server:
        report = send_outbox(ctx, SmtpTransport(server.settings()))
    assert len(report.sent) == len(seen) == 12
    assert set(seen) == {HANDOVER} and before > HANDOVER
    assert sys.getswitchinterval() == before
