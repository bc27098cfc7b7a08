"""The tables the read of one agreement reads, as SQLAlchemy Core clauses (no SQLModel).

`model` declares the schema and builds SQLModel's classes on SQLAlchemy's ORM: together they
cost a read such as `aftaleflow agreement show` more than its query (about 0.2 s of a 0.7 s
process). The read model (`services.agreements.read_model`) selects from these instead, the
same columns with the same types; `tests/domain/test_tables.py` holds every column here to
its column in `model`, so a change there that is not made here fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, String, TypeDecorator, column, table
from sqlalchemy.engine import Dialect


class UTCMoment(TypeDecorator[datetime]):
    """Read as the model's datetime columns read (SQLModel's UTCDateTime): aware, in UTC;
    a database without time zones stores UTC without an offset."""

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_result_value(self, value: datetime | None, dialect: Dialect
                             ) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _int(name: str) -> Any:
    return column(name, Integer)


def _str(name: str) -> Any:
    return column(name, String)


def _date(name: str) -> Any:
    return column(name, Date)


agreement = table(
    "agreement", _int("id"), _str("title"), _str("description"), _str("kind"), _str("origin"),
    _int("origin_cluster_id"), _str("kle_number"), _str("case_handler"), _int("region_id"),
    _str("state"), _int("round_no"), _int("text_version"), _date("approval_deadline"),
    _int("approval_deadline_round"), _date("implementation_deadline"),
    column("created_at", UTCMoment), column("updated_at", UTCMoment), _int("version"),
    _str("publication"), _date("public_from"))
region = table("region", _int("id"), _str("key"), _str("name"), _str("code"),
               _date("valid_from"), _date("valid_to"))
cluster = table("cluster", _int("id"), _str("key"), _str("name"), _str("kind"),
                _int("region_id"), _date("valid_from"), _date("valid_to"))
body = table("body", _int("id"), _str("key"), _str("name"), _str("kind"), _int("region_id"),
             _int("municipality_id"), _int("cluster_id"), _date("valid_from"),
             _date("valid_to"))
approval = table(
    "approval", _int("id"), _int("agreement_id"), _int("round_no"), _int("text_version"),
    _int("body_id"), _str("state"), _date("deadline"), _date("meeting_date"),
    _date("decided_on"), _str("protocol_ref"), _str("comment"), _int("version"),
    _str("certainty"), _str("certainty_source"))
implementation = table(
    "implementation", _int("id"), _int("agreement_id"), _int("cluster_id"), _str("state"),
    _date("started_on"), _date("completed_on"), _str("comment"), _int("version"),
    _date("ended_on"))
approval_rule = table("approval_rule", _int("id"), _str("kind"), _date("valid_from"),
                      _date("valid_to"), _str("forum"), column("confirmed", Boolean))
origin_rule = table("origin_rule", _int("id"), _str("key"), _str("label"),
                    _date("valid_from"))
municipality = table("municipality", _int("id"), _str("name"))
agreement_party = table("agreement_party", _int("id"), _int("agreement_id"),
                        _int("municipality_id"))
region_membership = table("region_membership", _int("id"), _int("municipality_id"),
                          _int("region_id"))
cluster_membership = table("cluster_membership", _int("id"), _int("cluster_id"),
                           _int("municipality_id"))

TABLES = (agreement, region, cluster, body, approval, implementation, approval_rule,
          origin_rule, municipality, agreement_party, region_membership, cluster_membership)
