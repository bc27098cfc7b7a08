"""`aftaleflow demo`: a realistic year of two samarbejdsaftaler, told through the services.

It writes to the configured database (state/aftaleflow.db by default). An existing database
with agreements in it is moved aside first, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import typer
from sqlalchemy import func
from sqlmodel import Session, select

from aftaleflow.cli import output
from aftaleflow.config import TIMEZONE, get_settings
from aftaleflow.db import get_engine
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.domain.model import Agreement
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.agreements.cases import (
    NewAgreement,
    advance_agreement,
    create_agreement,
    list_agreements,
)
from aftaleflow.services.agreements.implementations import record_implementation
from aftaleflow.services.auditing import verify_chain
from aftaleflow.services.documents.case_documents import (
    render_agenda,
    render_agenda_item,
    render_letter,
)
from aftaleflow.services.mail.mailing import default_transport, send_outbox
from aftaleflow.services.mail.reminders import enqueue_reminders, enqueue_round_letters
from aftaleflow.services.meetings.agenda import NewItem, add_item, create_meeting, decide_item
from aftaleflow.services.structure.masterdata import load_master_data
from aftaleflow.services.uow import ServiceContext

MIDT_COUNCILS = [
    "Herning", "Holstebro", "Ikast-Brande", "Lemvig", "Ringkøbing-Skjern", "Struer",
    "Hedensted", "Horsens", "Odder", "Skanderborg", "Silkeborg", "Skive", "Viborg",
    "Favrskov", "Norddjurs", "Randers", "Syddjurs", "Aarhus", "Samsø",
]
DEMO_ACCOUNT = """Gødstrupklyngens prøvehandling med **udgående teams** til ældre medicinske
patienter har vist færre genindlæggelser. Sundhedssamarbejdsudvalget har derfor udarbejdet en
samarbejdsaftale, så alle fem klynger i regionen tilbyder det samme.

- teamet rykker ud inden for to timer
- kommunens sygepleje deltager i opfølgningen
- praktiserende læge orienteres samme dag"""
MIDT_CLUSTERS = [
    "goedstrupklyngen-vest", "horsensklyngen", "midtklyngen", "randersklyngen", "aarhusklyngen",
]
SYD_APPROVING = ["Kolding", "Vejle", "Fredericia", "Middelfart", "Billund", "Esbjerg", "Odense"]


class ScriptedClock:
    """The demo's 'now': moved forward step by step through 2026."""

    def __init__(self) -> None:
        self.current = datetime(2026, 1, 12, 9, 0, tzinfo=TIMEZONE)

    def __call__(self) -> datetime:
        return self.current

    def at(self, day: date, hour: int = 10) -> None:
        self.current = datetime.combine(day, time(hour, 0), tzinfo=TIMEZONE)


def _prepare_database(url: str) -> None:
    if not url.startswith("sqlite:///"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    if not path.exists():
        return
    with Session(get_engine(url)) as session:
        try:
            count = session.exec(select(func.count()).select_from(Agreement)).one()
        except Exception:  # an empty or foreign file: keep it aside as well
            count = 1
    if count:
        get_engine(url).dispose()
        backup = path.with_name(f"{path.name}.{datetime.now():%Y%m%d-%H%M%S}.bak")
        path.rename(backup)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        typer.echo(f"Eksisterende database flyttet til {backup}")


def _step(text: str) -> None:
    typer.echo(f"  - {text}")


def _herning_council_meeting(ctx: ServiceContext, clock: ScriptedClock, agreement_id: int
                             ) -> None:
    """The committee clerk's side: Herning's council puts the agreement on its agenda."""
    clock.at(date(2026, 4, 8))
    meeting = create_meeting(ctx, "kb-657", datetime(2026, 4, 20, 17, 0, tzinfo=TIMEZONE),
                             "Byrådssalen, Herning Rådhus")
    add_item(ctx, meeting.id, NewItem(
        title="Godkendelse af dagsorden", recommender="Kommunaldirektøren",
        recommendations=["at dagsordenen godkendes."]))
    item = add_item(ctx, meeting.id, NewItem(
        agreement_id=agreement_id, other_handlers="Lise Holm, Peter Vang",
        recommender="Direktøren for Social, Sundhed og Beskæftigelse",
        account=DEMO_ACCOUNT, attachments=["Samarbejdsaftale om udgående teams, version 1",
                                           "Evaluering af prøvehandlingen i Gødstrupklyngen"]))
    add_item(ctx, meeting.id, NewItem(
        title="Personalesag", closed=True, account="Lønforhold for en navngiven medarbejder."))
    _step("Herning Byråd: dagsorden med tre punkter, et lukket; aftalen er 'sat på dagsorden'")
    clock.at(date(2026, 4, 20), 19)
    decide_item(ctx, item.id, "Indstillingen blev godkendt.", "godkendt")
    _step("Herning Byråd godkender på mødet 20.04.2026; beslutningen registreres fra punktet")
    clock.at(date(2026, 4, 21), 9)
    papers = [render_agenda(ctx, meeting.id), render_agenda(ctx, meeting.id, public=True),
              render_agenda_item(ctx, item.id),
              render_agenda(ctx, meeting.id, protocol=True),
              render_letter(ctx, "anmodning_om_godkendelse", agreement_id, party="Holstebro"),
              render_letter(ctx, "godkendelsesmeddelelse", agreement_id, party="Herning")]
    for paper in papers:
        _step(f"PDF: {paper.path}  ({paper.kind})")


def _reminder_round(ctx: ServiceContext, clock: ScriptedClock) -> None:
    """A local agreement whose councils are slow: letters, then rykkere past the deadline."""
    typer.echo("\n3) Lokal aftale i Sundhedsklynge Lillebælt: anmodninger og rykkere")
    clock.at(date(2026, 8, 24))
    c = create_agreement(ctx, NewAgreement(
        title="Børn og unge i mistrivsel", kind="lokal_aftale", origin="ssu_bestilling",
        region="syddanmark", origin_cluster="sundhedsklynge-lillebaelt",
        kle_number="29.30.08-P27-12-26", case_handler="Sofie Dahl",
        description="Fælles indsats for børn og unge i mistrivsel i Lillebæltklyngen."))
    c = advance_agreement(ctx, c.id, "send_til_ssu")
    clock.at(date(2026, 9, 1))
    c = advance_agreement(ctx, c.id, "indstil_til_godkendelse")
    letters = enqueue_round_letters(ctx)
    transport = default_transport()
    report = send_outbox(ctx, transport)
    _step(f"{len(letters)} anmodninger om godkendelse sendt (frist "
          f"{min(a.deadline for a in c.approvals if a.deadline):%d.%m.%Y})")
    for party in ("Kolding", "Vejle", "Fredericia"):
        clock.at(date(2026, 9, 23), 16)
        c = record_decision(ctx, c.id, Decision(party=party, decision="godkendt",
                                                meeting_date=date(2026, 9, 23)))
    deadline = min(a.deadline for a in c.approvals if a.deadline)
    policy = load_policy()
    late = policy.calendar.add_business_days(deadline, policy.reminders.escalate_days_after)
    clock.at(late, 7)
    _step(f"Uret stilles frem til {late:%d.%m.%Y}, {policy.reminders.escalate_days_after} "
          f"hverdage efter fristen {deadline:%d.%m.%Y} ({policy.calendar.rule_text()})")
    queued = enqueue_reminders(ctx, late)
    for m in queued:
        about = "om" if m.kind == "eskalering" else "til"
        _step(f"I kø: {m.kind:<10} {about} {m.party} <{', '.join(m.recipients)}>")
    report = send_outbox(ctx, transport)
    where = getattr(transport, "directory", None)
    sink = f"filer i {where}" if where else "SMTP-serveren"
    _step(f"Sendt: {len(report.sent)} beskeder til {sink}")


def run_demo() -> None:
    settings = get_settings()
    _prepare_database(settings.database_url)
    clock = ScriptedClock()
    ctx = ServiceContext(engine=get_engine(settings.database_url), actor="demo", clock=clock)
    report = load_master_data(ctx)
    typer.echo(f"Database: {settings.database_url}")
    typer.echo(f"Stamdata: {report.created} rækker oprettet "
               "(5 regioner, 98 kommuner, 22 sundhedsklynger, 17 sundhedsråd fra 2027).")

    typer.echo("\n1) Prøvehandling i Sundhedsklynge Vest (Gødstrup) bliver til samarbejdsaftale")
    a = create_agreement(ctx, NewAgreement(
        title="Udgående teams til ældre medicinske patienter",
        description="Spredning af Gødstrupklyngens prøvehandling med udgående teams til "
                    "alle klynger i Region Midtjylland.",
        kind="regional_samarbejdsaftale", origin="proevehandling", region="midtjylland",
        origin_cluster="goedstrupklyngen-vest", kle_number="29.30.08-P27-3-26",
        case_handler="Mette Kjær Andersen", approval_deadline=date(2026, 6, 26),
    ))
    for day, trigger, note in [
        (date(2026, 2, 9), "forelaeg_ssu", "Evaluering af prøvehandlingen forelagt SSU"),
        (date(2026, 2, 9), "paabegynd_udarbejdelse", "SSU bestiller en samarbejdsaftale"),
        (date(2026, 3, 16), "send_til_ssu", "Udkast fra den faglige operative gruppe"),
        (date(2026, 3, 30), "indstil_til_godkendelse", "SSU indstiller aftalen"),
    ]:
        clock.at(day)
        a = advance_agreement(ctx, a.id, trigger, comment=note)
        _step(f"{day:%d.%m.%Y} {note} -> {a.state_label}")
    _step(f"Godkendelsesrunde startet med {a.approvals_total} parter "
          "(19 kommunalbestyrelser + regionsrådet)")

    _herning_council_meeting(ctx, clock, a.id)
    meeting = date(2026, 4, 20)
    for i, council in enumerate([*MIDT_COUNCILS, "regionsrådet"]):
        if council == "Herning":
            continue
        day = meeting + timedelta(days=2 * i)
        clock.at(day - timedelta(days=10))
        record_decision(ctx, a.id, Decision(party=council, decision="dagsorden",
                                            meeting_date=day))
        if council == "Lemvig":
            clock.at(day)
            record_decision(ctx, a.id, Decision(
                party=council, decision="udsat", comment="Afventer økonomiudvalgets bemærkninger"))
            day = date(2026, 6, 17)
            record_decision(ctx, a.id, Decision(party=council, decision="genoptaget",
                                                meeting_date=day))
            record_decision(ctx, a.id, Decision(party=council, decision="dagsorden",
                                                meeting_date=day))
            _step("Lemvig Kommune udsætter sagen og genoptager den 17.06.2026")
        clock.at(day, 16)
        a = record_decision(ctx, a.id, Decision(
            party=council, decision="godkendt", meeting_date=day,
            protocol_ref=f"Beslutningsprotokol {day:%d.%m.%Y}, pkt. {10 + i}"))
    _step(f"Alle parter har godkendt -> {a.state_label}; {len(a.implementations)} klynger "
          "skal implementere")
    for i, cluster in enumerate(MIDT_CLUSTERS):
        clock.at(date(2026, 8, 17) + timedelta(days=7 * i))
        record_implementation(ctx, a.id, cluster, "i_gang")
    for i, cluster in enumerate(MIDT_CLUSTERS):
        clock.at(date(2026, 10, 1) + timedelta(days=9 * i))
        a = record_implementation(ctx, a.id, cluster, "implementeret")
    _step(f"Alle fem klynger har implementeret -> {a.state_label}")

    typer.echo("\n2) SSU-bestilling i Region Syddanmark afvises af én kommunalbestyrelse")
    clock.at(date(2026, 2, 2))
    b = create_agreement(ctx, NewAgreement(
        title="Den gode indlæggelse og udskrivelse",
        description="Fælles arbejdsgange ved indlæggelse og udskrivelse af borgere.",
        kind="regional_samarbejdsaftale", origin="ssu_bestilling", region="syddanmark",
        kle_number="29.30.08-P27-7-26", case_handler="Jens Lund Pedersen",
        approval_deadline=date(2026, 6, 30),
    ))
    clock.at(date(2026, 4, 20))
    b = advance_agreement(ctx, b.id, "send_til_ssu", comment="Udkast klar")
    clock.at(date(2026, 5, 4))
    b = advance_agreement(ctx, b.id, "indstil_til_godkendelse", comment="SSU indstiller")
    _step(f"Godkendelsesrunde startet med {b.approvals_total} parter "
          "(22 kommunalbestyrelser + regionsrådet)")
    for i, council in enumerate(SYD_APPROVING):
        day = date(2026, 5, 26) + timedelta(days=i)
        clock.at(day, 16)
        b = record_decision(ctx, b.id, Decision(party=council, decision="godkendt",
                                                meeting_date=day))
    clock.at(date(2026, 6, 3), 16)
    record_decision(ctx, b.id, Decision(party="Vejen", decision="dagsorden",
                                        meeting_date=date(2026, 6, 3)))
    b = record_decision(ctx, b.id, Decision(
        party="Vejen", decision="afvist", meeting_date=date(2026, 6, 3),
        comment="Økonomien i udskrivelsesforløbene er ikke afklaret"))
    _step(f"Vejen Kommune afviser -> {b.state_label} ({b.progress} i runde {b.round_no})")

    _reminder_round(ctx, clock)

    typer.echo("\nStatusmatrix")
    output.status_matrix(list_agreements(ctx))
    chain = verify_chain(ctx)
    typer.echo(f"\nRevisionsspor: {chain.events} hændelser, kæden er "
               f"{'intakt' if chain.ok else 'BRUDT'}.")
    typer.echo("Prøv: aftaleflow status --json | aftaleflow agreement show 1 | "
               "aftaleflow audit verify")
