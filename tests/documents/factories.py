"""View models with realistic Danish content, most of it from seed 004 (Forebyggelsesudvalget,
30 August 2021, item 18 "Aftale om sammenhæng og nærhed (sundhedsklynge)")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from aftaleflow.documents.viewmodels import (
    AgendaItemView,
    AgendaView,
    AgreementStatusView,
    LetterKind,
    LetterView,
    MeetingView,
    PartyStatusView,
    ProtocolView,
    RecipientView,
    RecommendationView,
    RouteStep,
    StatusReportView,
)

MEETING = MeetingView(
    body_name="Forebyggelsesudvalget",
    body_kind="fagudvalg",
    date=date(2021, 8, 30),
    time=time(16, 0),
    place="B1.01",
)

ROUTE_CODES = [
    ("DIR", "Direktionen"), ("FOU", "Forebyggelsesudvalget"),
    ("BFU", "Børne- og Familieudvalget"), ("SOS", "Social- og Sundhedsudvalget"),
    ("BSK", "Beskæftigelsesudvalget"), ("KFU", "Kultur- og Fritidsudvalget"),
    ("BYP", "Byplanudvalget"), ("TMU", "Teknik- og Miljøudvalget"),
    ("ØKE", "Økonomiudvalget"), ("BYR", "Byrådet"),
]

SAGSRESUME = (
    "Regeringen, Danske Regioner og KL har indgået en aftale om sammenhæng og nærhed "
    "(sundhedsklynger) som et led i en samlet sundhedsaftale.\n\n"
    "Baggrunden for denne aftale er, at sundhedsvæsenet står over for en betydelig udfordring "
    "som følge af den demografiske udvikling, der betyder flere ældre og flere patienter med "
    "kroniske lidelser.\n\n"
    "En samlet sundhedsaftale forventes at foreligge i 2. halvår 2021."
)

SAGSFREMSTILLING = (
    "Den demografiske udvikling betyder, at der kommer flere ældre og flere patienter med "
    "kroniske lidelser. Denne udvikling vil give sundhedsvæsenet **betydelige udfordringer**.\n\n"
    "I sundhedsklyngerne skal der være både politiske og faglige/strategiske niveauer:\n\n"
    "* Der etableres et sundhedssamarbejdsudvalg med tre repræsentanter for regionsrådet "
    "(herunder regionsrådsformanden) og en kommunal repræsentant fra hver sundhedsklynge.\n"
    "* For »Sundhedsklynge Gødstrup« vil det formentlig være Herning, Holstebro, "
    "Ikast-Brande, Lemvig, Ringkøbing-Skjern og Struer kommuner.\n\n"
    "Den indgående aftale kan forventes at blive en del af en forventet kommende "
    "sundhedsreform. Der kan derfor komme justeringer, præciseringer osv."
)

SEED_ITEM = AgendaItemView(
    number=18,
    title="Aftale om sammenhæng og nærhed (sundhedsklynge)",
    sagsnr="29.30.08-P27-1-21",
    sagsbehandler="Ellen Bagge Grimstrup",
    oevrige=(),
    route=tuple(RouteStep(code, name, current=(code == "FOU")) for code, name in ROUTE_CODES),
    sagsresume=SAGSRESUME,
    sagsfremstilling=SAGSFREMSTILLING,
    indstilling=RecommendationView(
        recommender="Direktøren for Social, Sundhed og Beskæftigelse",
        clauses=("orienteringen tages til efterretning.",),
    ),
    beslutning="Orienteringen blev taget til efterretning.",
    bilag=("aftaletekst-vedr-sundhedsklynger-11-juni-2021",),
)

CLOSED_ITEM = AgendaItemView(
    number=19,
    title="Personalesag vedrørende sundhedscenteret",
    closed=True,
    sagsnr="81.02.00-G01-7-21",
    sagsbehandler="Søren Kærgård Østergaard",
    oevrige=("Birthe Ågesen",),
    route=(RouteStep("FOU", "Forebyggelsesudvalget", current=True),),
    sagsresume="Fortroligt resume om medarbejderforhold på sundhedscenteret i Ærøskøbing.",
    sagsfremstilling="Fortrolig sagsfremstilling: opsigelse drøftet med tillidsrepræsentanten.",
    indstilling=RecommendationView(
        recommender="Direktøren for Social, Sundhed og Beskæftigelse",
        clauses=("at den fortrolige løsningsmodel godkendes",),
    ),
    beslutning="Den fortrolige løsningsmodel blev godkendt.",
    bilag=("fortroligt-notat-personale-2021",),
    late_reason="Fortrolig forsinkelse: forhandlingen sluttede først fredag.",
)

CLOSED_SECRETS = (
    "81.02.00-G01-7-21", "Søren Kærgård Østergaard", "Birthe Ågesen",
    "Fortroligt resume", "Fortrolig sagsfremstilling", "fortrolige løsningsmodel",
    "fortroligt-notat-personale-2021", "Fortrolig forsinkelse",
)

TOPICS = (
    "Den gode indlæggelse og udskrivelse",
    "Børn og unge i mistrivsel",
    "Udgående teams i Gødstrupklyngen",
    "Klyngemidler til forebyggelse på tværs",
    "Rehabilitering efter hjerneskade",
    "Samarbejde om ældre medicinske patienter",
    "Sammenhængende forløb i psykiatrien",
    "Tidlig opsporing af kronisk sygdom",
)


def agenda_items(count: int, *, varied_length: bool = False) -> list[AgendaItemView]:
    """`count` items like seed 004 with distinct titles; `varied_length` makes some items
    run over two or three pages, so the table of contents has uneven page numbers."""
    items = []
    for i in range(count):
        rounds, topic = divmod(i, len(TOPICS))
        title = TOPICS[topic] + (f" ({rounds + 1}. del)" if rounds else "")
        repeats = 1 + 4 * (i % 3) if varied_length else 1
        items.append(replace(SEED_ITEM, number=i + 1, title=title, beslutning=None,
                             sagsfremstilling="\n\n".join([SAGSFREMSTILLING] * repeats)))
    return items


def agenda(count: int = 3, *, with_closed: bool = False,
           varied_length: bool = False) -> AgendaView:
    """An agenda of seed-like items; `with_closed` puts a closed item second."""
    items = agenda_items(count, varied_length=varied_length)
    if with_closed:
        items.insert(1, replace(CLOSED_ITEM, number=len(items) + 1))
        items = [replace(item, number=i + 1) for i, item in enumerate(items)]
    return AgendaView(meeting=MEETING, items=tuple(items))


def protocol(with_closed: bool = True) -> ProtocolView:
    items = (SEED_ITEM, *((CLOSED_ITEM,) if with_closed else ()))
    return ProtocolView(
        meeting=MEETING, items=items,
        present=("Jørgen Dalgaard (formand)", "Åse Mølgaard", "Bjørn Kæmpe"),
        absent=("Lærke Sørensen",), ended_at=time(17, 45),
    )


SSU = "Sundhedssamarbejdsudvalget, Region Midtjylland"
AGREEMENT = "Den gode indlæggelse og udskrivelse"


def parties() -> tuple[PartyStatusView, ...]:
    return (
        PartyStatusView("Herning Kommune", "Godkendt", approved=True,
                        deadline=date(2025, 6, 24), decided_on=date(2025, 6, 10)),
        PartyStatusView("Holstebro Kommune", "Afventer", overdue=True,
                        deadline=date(2025, 6, 24)),
        PartyStatusView("Ringkøbing-Skjern Kommune", "Sat på dagsorden", overdue=True,
                        deadline=date(2025, 6, 24)),
        PartyStatusView("Struer Kommune", "Afvist", rejected=True,
                        deadline=date(2025, 6, 24), decided_on=date(2025, 6, 19)),
        PartyStatusView("Regionsrådet, Region Midtjylland", "Godkendt", approved=True,
                        deadline=date(2025, 6, 24), decided_on=date(2025, 6, 18)),
    )


def approved_parties(on: date) -> tuple[PartyStatusView, ...]:
    """The same parties, every one of them approved on `on`."""
    return tuple(replace(p, status="Godkendt", approved=True, rejected=False, overdue=False,
                         decided_on=on) for p in parties())


HOLSTEBRO = RecipientView(
    name="Holstebro Kommune",
    attention="Sekretariatet for Byrådet",
    address_lines=("Kirkestræde 11", "7500 Holstebro"),
)
MANAGER = RecipientView(name="Sundhedssekretariatet, Region Midtjylland",
                        attention="Kontorchef Åsa Kjærgaard")
CLUSTER = RecipientView(name="Gødstrupklyngen (Sundhedsklynge Vest)",
                        attention="Klyngesekretariatet")
RECIPIENTS = {LetterKind.ESCALATION: MANAGER, LetterKind.IMPLEMENTATION_REQUEST: CLUSTER}


def letter(kind: LetterKind) -> LetterView:
    """A complete letter of `kind`, addressed as that kind is, with every field it needs."""
    return LetterView(
        kind=kind,
        date=date(2025, 7, 1),
        sender=SSU,
        recipient=RECIPIENTS.get(kind, HOLSTEBRO),
        agreement_title=AGREEMENT,
        case_number="29.30.08-P27-1-25",
        case_handler="Ellen Bagge Grimstrup",
        case_handler_email="ellen.grimstrup@rm.example",
        deadline=date(2025, 6, 24),
        message="Aftalen er drøftet i **Sundhedsstyregruppen** den 2. april 2025.",
        decision_body="Byrådet i Holstebro Kommune",
        decision_date=date(2025, 6, 19),
        reason="Byrådet ønsker, at økonomien i udgående teams afklares først.",
        parties=(approved_parties(date(2025, 6, 19)) if kind == LetterKind.IMPLEMENTATION_REQUEST
                 else parties()),
        reminders_sent=1,
        attachments=("Udkast til dagsordenpunkt", "Samarbejdsaftalen, version 3"),
    )


def status_report() -> StatusReportView:
    return StatusReportView(
        title="Status for samarbejdsaftaler i Region Midtjylland",
        author=SSU,
        date=date(2025, 7, 1),
        agreements=(
            AgreementStatusView(AGREEMENT, "29.30.08-P27-1-25", "I godkendelse",
                                deadline=date(2025, 6, 24), parties=parties()),
            AgreementStatusView("Børn og unge i mistrivsel", "29.30.08-P27-2-25",
                                "Godkendt", deadline=date(2025, 3, 1),
                                parties=approved_parties(date(2025, 2, 20))),
        ),
    )
