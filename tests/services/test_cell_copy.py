"""`with_cell` copies the frozen approval view with its cell set: the same view as
`dataclasses.replace` gives, the original untouched."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from aftaleflow.services.reading.cells import cell_of, with_cell
from aftaleflow.services.views import ApprovalView


def test_with_cell_gives_what_replace_gives_and_leaves_the_original_as_it_was() -> None:
    view = ApprovalView(7, "kb-657", "Herning Byråd", "kommunalbestyrelse", "afventer",
                        "Afventer", 1, 1, date(2026, 11, 30), None, None, None, "note", 3,
                        "probable", "stamdata", "30 dage", True)
    copied = with_cell(view, "i_godkendelse")
    assert copied == replace(view, cell=cell_of(view, "i_godkendelse").text)
    assert copied.cell and view.cell == "" and copied is not view
    assert type(copied) is ApprovalView and hash(copied) == hash(copied)
