"""The fast append (on PostgreSQL the link is hashed in the INSERT) writes a verifiable chain."""

from __future__ import annotations

import pytest

from aftaleflow.domain.errors import Conflict
from aftaleflow.services.agreements import advance_agreement, history
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
