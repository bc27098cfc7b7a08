"""Request bodies and list pages, with examples for the OpenAPI documentation."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from aftaleflow.domain.access import Role
from aftaleflow.domain.model import AgreementKind, AgreementOrigin

T = TypeVar("T")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$")


def _strict(pattern: re.Pattern[str], kind: str, form: str) -> BeforeValidator:
    """Only the ISO 8601 text form: no numbers (`0` is not 1970-01-01), no other layouts."""

    def check(value: Any) -> Any:
        if isinstance(value, date) or (isinstance(value, str) and pattern.match(value)):
            return value
        raise PydanticCustomError(kind, "Input should be a valid ISO 8601 " + form)

    return BeforeValidator(check)


IsoDate = Annotated[date, _strict(_ISO_DATE, "date_parsing", "date (YYYY-MM-DD)")]
IsoDateTime = Annotated[datetime, _strict(_ISO_DATETIME, "datetime_parsing", "date-time")]
KLE_REGEX = r"^\d{2}\.\d{2}\.\d{2}-[A-Z]\d{2}-\d{1,6}-\d{2}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class AgreementIn(Strict):
    title: str = Field(min_length=1, max_length=300, examples=["Udgående teams"])
    kind: AgreementKind = Field(examples=["regional_samarbejdsaftale"])
    origin: AgreementOrigin = Field(examples=["proevehandling"])
    region: str = Field(min_length=1, max_length=60, examples=["midtjylland"])
    kle_number: str = Field(pattern=KLE_REGEX, examples=["29.30.08-P27-1-21"])
    case_handler: str = Field(min_length=1, max_length=200, examples=["Mette Kjær Andersen"])
    origin_cluster: str | None = Field(default=None, max_length=120,
                                       examples=["goedstrupklyngen-vest"])
    description: str = Field(default="", max_length=100_000)
    approval_deadline: IsoDate | None = Field(default=None, examples=["2026-06-26"])
    implementation_deadline: IsoDate | None = None
    parties: list[Annotated[str, StringConstraints(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=98, examples=[["Køge", "Roskilde"]],
        description="Kommuner, der er parter ud over regionen (kun for typer med valgte parter: "
                    "horisontal_samarbejdsaftale, medfinansieringsaftale).")


class TransitionIn(Strict):
    trigger: str = Field(min_length=1, max_length=60, examples=["send_til_ssu"])
    comment: str | None = Field(
        default=None, max_length=5000, examples=["Udkast klar"],
        description="Kommentar; begrundelsen, som en handling, der ikke kan gøres om, skal have.")
    approval_deadline: IsoDate | None = Field(
        default=None, examples=["2027-02-26"],
        description="Fast frist for den godkendelsesrunde, handlingen starter (uden: "
                    "fristreglen regnet fra rundens start).")


class DecisionIn(Strict):
    decision: Literal["dagsorden", "godkendt", "afvist", "udsat", "genoptaget"] = Field(
        examples=["godkendt"])
    meeting_date: IsoDate | None = Field(default=None, examples=["2026-06-16"])
    decided_on: IsoDate | None = None
    protocol_ref: str | None = Field(default=None, max_length=300,
                                     examples=["Byrådet 16.06.2026, pkt. 12"])
    comment: str | None = Field(default=None, max_length=5000)


class ImplementationIn(Strict):
    status: Literal["i_gang", "implementeret"] = Field(examples=["i_gang"])
    on: IsoDate | None = Field(default=None, examples=["2026-09-01"])
    comment: str | None = Field(default=None, max_length=5000)


class BodyIn(Strict):
    key: str = Field(min_length=2, max_length=60, examples=["fou-657"])
    name: str = Field(min_length=1, max_length=200, examples=["Forebyggelsesudvalget"])
    short_name: str = Field(min_length=1, max_length=20, examples=["FOU"])
    kind: Literal["fagudvalg", "udvalg", "direktion"] = "fagudvalg"
    valid_from: IsoDate = Field(examples=["2018-01-01"])
    municipality: str | None = Field(default=None, max_length=60, examples=["Herning"])
    region: str | None = Field(default=None, max_length=60, examples=["midtjylland"])
    email: str | None = Field(default=None, max_length=200)


class BodyEndIn(Strict):
    valid_to: IsoDate = Field(examples=["2025-12-31"])


class MeetingIn(Strict):
    body: str = Field(min_length=1, max_length=200, examples=["kb-657"])
    starts_at: IsoDateTime | IsoDate = Field(
        examples=["2026-06-16T15:00:00Z"],
        description="Tidspunkt, eller kun datoen (2021-08-30), når tidspunktet ikke er fastlagt.")
    place: str = Field(min_length=1, max_length=200, examples=["Byrådssalen"])


class AgendaItemIn(Strict):
    title: str = Field(default="", max_length=300, examples=["Samarbejdsaftale om udgående teams"])
    number: int | None = Field(default=None, ge=1, le=999, examples=[18])
    agreement_id: int | None = Field(default=None, ge=1, le=2**31, examples=[1])
    closed: bool = False
    case_number: str = Field(default="", max_length=60)
    case_handler: str = Field(default="", max_length=200)
    other_handlers: str = Field(default="", max_length=500)
    route: list[str] = Field(default_factory=list, max_length=20, examples=[["FAG", "ØKU", "KB"]])
    route_current: str | None = Field(default=None, max_length=20)
    summary: str = Field(default="", max_length=100_000)
    account: str = Field(default="", max_length=100_000)
    recommender: str = Field(default="", max_length=300)
    recommendations: list[str] = Field(default_factory=list, max_length=20)
    attachments: list[str] = Field(default_factory=list, max_length=50)
    late_reason: str | None = Field(default=None, max_length=2000)
    history: bool = Field(default=False, description="Mødet er holdt: punktet registreres som "
                                                     "historik; ingen udsendelsesfrist.")


class ItemDecisionIn(Strict):
    decision_text: str = Field(min_length=1, max_length=100_000,
                               examples=["Indstillingen blev godkendt."])
    decision: Literal["godkendt", "afvist", "udsat"] | None = None


class UserIn(Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Ane Holm"])
    role: Role = Field(examples=["sagsbehandler"])
    body: str | None = Field(default=None, max_length=200, examples=["kb-657"])
    days: int | None = Field(default=None, ge=1, le=3650, examples=[90],
                             description="Dage tokenet gælder (standard 90).")


class RotateIn(Strict):
    days: int | None = Field(default=None, ge=1, le=3650, examples=[90])


class Action(BaseModel):
    trigger: str
    label: str
    available: bool = True
    reason: str | None = Field(default=None, description="Hvorfor handlingen ikke kan udføres nu")


class ChainResult(BaseModel):
    ok: bool
    events: int
    broken_event_id: int | None = None
    reason: str | None = None
