"""The lifecycle diagrams are drawn from the machine declarations, current state highlighted."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from aftaleflow.domain.machines import AGREEMENT, MACHINES, MachineSpec
from aftaleflow.web.diagram import NODE_H, NODE_W, edges, layout, ranks, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def _parse(spec: MachineSpec, current: str | None = None) -> ET.Element:
    return ET.fromstring(str(render_svg(spec, current)))


def _groups(svg: ET.Element, css_class: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if css_class in (g.get("class") or "").split()]


@pytest.mark.parametrize("spec", MACHINES.values(), ids=list(MACHINES))
def test_every_state_is_a_node_with_its_danish_label(spec: MachineSpec) -> None:
    svg = _parse(spec)
    nodes = {g.get("id"): g for g in _groups(svg, "state")}
    assert set(nodes) == {f"state-{s.name}" for s in spec.states}
    for state in spec.states:
        label = nodes[f"state-{state.name}"].find(f"{SVG}text")
        assert label is not None and label.text == state.label


@pytest.mark.parametrize("spec", MACHINES.values(), ids=list(MACHINES))
def test_every_transition_from_every_source_is_an_edge(spec: MachineSpec) -> None:
    svg = _parse(spec)
    drawn = sorted((g.get("data-trigger"), g.get("data-source"), g.get("data-dest"))
                   for g in _groups(svg, "edge"))
    declared = sorted((t.trigger, s, t.dest) for t in spec.transitions for s in t.sources)
    assert drawn == declared
    automatic = {g.get("data-trigger") for g in _groups(svg, "automatic")}
    assert automatic == {t.trigger for t in spec.transitions if t.automatic}


@pytest.mark.parametrize("state", [s.name for s in AGREEMENT.states])
def test_the_current_state_and_only_it_is_highlighted(state: str) -> None:
    svg = _parse(AGREEMENT, state)
    current = [g.get("id") for g in _groups(svg, "current")]
    assert current == [f"state-{state}"]
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and AGREEMENT.label_of(state) in (desc.text or "")


@pytest.mark.parametrize("spec", MACHINES.values(), ids=list(MACHINES))
def test_nodes_do_not_overlap_and_fit_in_the_picture(spec: MachineSpec) -> None:
    nodes = list(layout(spec).values())
    svg = _parse(spec)
    left, top, width, height = (float(v) for v in (svg.get("viewBox") or "").split())
    for i, a in enumerate(nodes):
        assert left <= a.x and a.x + NODE_W <= left + width and a.y + NODE_H <= top + height
        for b in nodes[i + 1:]:
            assert (a.x + NODE_W <= b.x or b.x + NODE_W <= a.x or a.y + NODE_H <= b.y
                    or b.y + NODE_H <= a.y), (a, b)


def test_the_agreement_flows_downwards_from_proevehandling_to_implementeret() -> None:
    rank = ranks(AGREEMENT)
    path = ["proevehandling", "resultater_forelagt_ssu", "under_udarbejdelse",
            "til_behandling_i_ssu", "i_godkendelse", "godkendt", "under_implementering",
            "implementeret"]
    assert [rank[s] for s in path] == list(range(len(path)))
    # the renegotiation loop goes back up, and final states sit below where they are reached
    assert rank["genforhandling"] > rank["til_behandling_i_ssu"]
    assert all(rank[s.name] > rank["godkendt"] for s in AGREEMENT.states if s.final)
    assert len(edges(AGREEMENT)) == sum(len(t.sources) for t in AGREEMENT.transitions)


def test_a_new_state_in_the_declaration_appears_in_the_diagram() -> None:
    from dataclasses import replace

    from aftaleflow.domain.machines import State, Transition

    spec = replace(AGREEMENT, states=(*AGREEMENT.states, State("sat_i_bero", "Sat i bero")),
                   transitions=(*AGREEMENT.transitions,
                                Transition("saet_i_bero", ("i_godkendelse",), "sat_i_bero",
                                           "Sæt i bero")))
    svg = _parse(spec, "sat_i_bero")
    assert svg.find(f".//{SVG}g[@id='state-sat_i_bero']") is not None
    assert "Sat i bero" in str(render_svg(spec))


@pytest.mark.parametrize("forum", ["Sundhedsråd Aarhus",
                                   "Sundhedsråd Østsjælland og Øerne (foreløbig)",
                                   "forum (ikke fastlagt i stamdata) (foreløbig)"])
def test_drawn_for_an_agreement_the_labels_name_its_forum_and_fit_their_boxes(
        forum: str) -> None:
    svg = ET.fromstring(str(render_svg(AGREEMENT, "til_behandling_i_ssu", forum)))
    assert "SSU" not in ET.tostring(svg, encoding="unicode")
    for state in AGREEMENT.states:
        text = svg.find(f".//{SVG}g[@id='state-{state.name}']/{SVG}text")
        assert text is not None
        lines = [text.text] if text.text else [t.text for t in text.findall(f"{SVG}tspan")]
        assert " ".join(lines) == state.label.replace("SSU", forum), lines  # type: ignore[arg-type]
        assert len(lines) <= 3 and all(len(line or "") <= 30 for line in lines), lines
    title = svg.find(f"{SVG}desc")
    assert title is not None and f"Til behandling i {forum}" in (title.text or "")
