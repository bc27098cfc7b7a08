"""The fast append (on PostgreSQL the link is hashed in the INSERT) writes a verifiable chain."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from aftaleflow.domain.errors import Conflict
from aftaleflow.services.agreements.cases import advance_agreement, history
from aftaleflow.services.auditing import verify_chain
from tests.factories import new_agreement

AWKWARD_COMMENTS = [
    '"prev_hash":""',  # the very key-value the PostgreSQL statement fills in
    'citat "med" anførselstegn og \\ skråstreg',
    "linje et\nlinje to\ttab",
    "æøå ÆØÅ – “typografiske” tegn ✓ 🙂",
    "\\u0000PREV",
]


@pytest.mark.parametrize("comment", AWKWARD_COMMENTS)
def test_transition_comments_of_any_text_keep_the_chain_verifiable(ctx, comment: str) -> None:
    agreement = new_agreement(ctx)
    advance_agreement(ctx, agreement.id, "send_til_ssu", comment=comment)
    advance_agreement(ctx, agreement.id, "tilbage_til_udarbejdelse")
    report = verify_chain(ctx)
    assert report.ok, report
    events = history(ctx, agreement.id)
    assert events[-2].comment == comment
    assert len({e.hash for e in events}) == len(events)


def test_a_stale_version_is_refused_and_nothing_is_written(ctx) -> None:
    agreement = new_agreement(ctx)
    advance_agreement(ctx, agreement.id, "send_til_ssu")
    with pytest.raises(Conflict):
        advance_agreement(ctx, agreement.id, "tilbage_til_udarbejdelse",
                          expected_version=agreement.version)
    assert len(history(ctx, agreement.id)) == 2
    assert verify_chain(ctx).ok


def test_a_transition_writes_one_versioned_update_and_one_audit_insert_in_one_transaction(
        ctx, engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("statement trace through sqlite3's trace callback")
    agreement = new_agreement(ctx)
    statements: list[str] = []

    def trace(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.set_trace_callback(statements.append)

    event.listen(engine, "checkout", trace)
    try:
        view = advance_agreement(ctx, agreement.id, "send_til_ssu")
    finally:
        event.remove(engine, "checkout", trace)
    writes = [s for s in statements if s.lstrip().split()[0].upper() in ("UPDATE", "INSERT")]
    assert len(writes) == 2, writes
    assert writes[0].startswith("UPDATE agreement SET") and "agreement.version = " in writes[0]
    assert writes[1].startswith("INSERT INTO audit_event")
    assert sum(s.startswith("BEGIN") for s in statements) == 1  # the view is read inside it
    assert sum("FROM audit_event ORDER BY audit_event.id DESC" in s for s in statements) == 1
    assert view.version == agreement.version + 1
