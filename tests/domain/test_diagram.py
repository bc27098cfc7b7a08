"""The lifecycle diagrams are generated from the machines and documented as generated."""

from pathlib import Path

from aftaleflow.domain.diagram import mermaid
from aftaleflow.domain.machines import AGREEMENT, APPROVAL, IMPLEMENTATION

ARCHITECTURE = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text(
    encoding="utf-8")


def test_docs_show_the_diagrams_of_the_current_machines() -> None:
    for spec in (AGREEMENT, APPROVAL, IMPLEMENTATION):
        assert mermaid(spec) in ARCHITECTURE


def test_diagram_has_every_state_and_transition_and_marks_the_current_state() -> None:
    text = mermaid(AGREEMENT, current="i_godkendelse")
    for state in AGREEMENT.states:
        assert f"{state.name} : {state.label}" in text
    for t in AGREEMENT.transitions:
        for source in t.sources:
            assert f"{source} --> {t.dest} : {t.label}" in text
    assert "class i_godkendelse current" in text
    assert "Alle parter har godkendt (automatisk)" in text
