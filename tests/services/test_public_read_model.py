"""The publication rule is one rule: `domain.publication.is_public` (shown to the case
handler) and the public read model's SQL agree for every choice and day."""

from __future__ import annotations

from datetime import date

import pytest

from aftaleflow.domain.errors import NotFound, ValidationFailed
from aftaleflow.services.agreements.publication import get_publication, set_publication
from aftaleflow.services.reading.public import PublicQuery, get_public, list_public
from tests.factories import agreement_in_state


@pytest.mark.parametrize(("state", "choice", "public_from"), [
    ("under_udarbejdelse", None, None), ("i_godkendelse", None, None),
    ("godkendt", None, None), ("i_godkendelse", "aldrig", None),
    ("under_udarbejdelse", "fra_dato", date(2026, 3, 2)),
    ("i_godkendelse", "fra_dato", date(2026, 3, 3)),
])
def test_the_case_handlers_view_and_the_public_list_agree(ctx, clock, state, choice,
                                                          public_from) -> None:
    view = agreement_in_state(ctx, state)
    if choice:
        set_publication(ctx, view.id, choice, public_from)
    for _day in range(2):  # today, and tomorrow (a date may begin)
        shown = get_publication(ctx, view.id).public_now
        listed = {a.id for a in list_public(ctx, PublicQuery(per_page=1000)).items}
        assert (view.id in listed) == shown
        if not shown:
            with pytest.raises(NotFound, match="ingen offentlig samarbejdsaftale"):
                get_public(ctx, view.id)
        clock.tick()


def test_a_publication_date_is_required_and_no_change_is_refused(ctx) -> None:
    view = agreement_in_state(ctx, "i_godkendelse")
    with pytest.raises(ValidationFailed, match="Angiv datoen"):
        set_publication(ctx, view.id, "fra_dato")
    with pytest.raises(ValidationFailed, match="Ingen ændring"):
        set_publication(ctx, view.id, "ved_indstilling")
    with pytest.raises(ValidationFailed, match="Ukendt valg"):
        set_publication(ctx, view.id, "straks")
