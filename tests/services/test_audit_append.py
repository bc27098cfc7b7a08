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


def test_a_decision_appends_its_audit_event_last_and_on_postgresql_reads_its_answer_after(
        ctx, engine, monkeypatch) -> None:
    """The chain's lock (every writer's) is taken by the audit append: last thing before the
    commit. On PostgreSQL the answer is read after the commit (the agreement's row lock is
    gone by then); on SQLite inside the transaction (a second one would lock again)."""
    from datetime import date

    from aftaleflow import db
    from aftaleflow.services.agreements.approvals import Decision, record_decision
    from tests.factories import agreement_in_state

    agreement = agreement_in_state(ctx, "i_godkendelse")
    party = agreement.approvals[1].body_key
    seen: list[str] = []
    if engine.dialect.name == "sqlite":
        def trace(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.set_trace_callback(seen.append)

        event.listen(engine, "checkout", trace)
    else:
        original = db.Prepared._execute

        def prepared(conn, sql, values, *, many):  # type: ignore[no-untyped-def]
            seen.append(sql)
            return original(conn, sql, values, many=many)

        monkeypatch.setattr(db.Prepared, "_execute", staticmethod(prepared))
        event.listen(engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_a: seen.append(sql))
        event.listen(engine, "commit", lambda _c: seen.append("COMMIT"))
    try:
        view = record_decision(ctx, agreement.id, Decision(
            party=party, decision="dagsorden", meeting_date=date(2026, 11, 17)))
    finally:
        if engine.dialect.name == "sqlite":
            event.remove(engine, "checkout", trace)
    commit = next(i for i, s in enumerate(seen) if s.strip().upper() == "COMMIT")
    assert seen[commit - 1].lstrip().startswith("INSERT INTO audit_event"), seen[commit - 1]
    # the answer's parties: SELECT approval.id, body.key, body.name, ... (read_model)
    reads_answer = [i for i, s in enumerate(seen)
                    if s.lstrip().startswith("SELECT approval.id, body.")]
    assert reads_answer, [s[:70] for s in seen]
    if engine.dialect.name == "postgresql":
        assert all(i > commit for i in reads_answer)
    else:
        assert all(i < commit for i in reads_answer)
    assert [a.state for a in view.approvals if a.body_key == party] == ["sat_paa_dagsorden"]
    assert verify_chain(ctx).ok
