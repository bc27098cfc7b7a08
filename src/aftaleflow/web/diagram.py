"""The lifecycle diagram of a machine, drawn as SVG on the server from its declaration.

Layout: each state gets a rank (the longest path to it from the first state, back edges left
out) and, within a rank, a column in declaration order. An edge to the next rank is a straight
arrow; longer and backward edges drop into the gap below their source, run along a lane at the
side (one lane per target state) and enter the target from above, so no line crosses a state.
Each arrow carries the number of its transition in the table the page shows under the diagram
(which is also the text alternative), and a <title> with the Danish label.

Drawn for one agreement, the labels name the forum of the day instead of "SSU" (from 2027 a
sundhedsråd's long name): a label too long for its box is wrapped over lines.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from html import escape

from markupsafe import Markup

from aftaleflow.domain.forum import replace_forum
from aftaleflow.domain.machines import MachineSpec

NODE_W, NODE_H = 210, 46
LINE_CHARS = 30  # what fits across a box at the diagram's 13 px (two lines; three at 11 px)
COL_W, RANK_H = 290, 92
MARGIN, LANE_GAP = 24, 14


@dataclass(frozen=True)
class Node:
    name: str
    label: str
    rank: int
    column: int

    @property
    def x(self) -> int:
        return MARGIN + self.column * COL_W

    @property
    def y(self) -> int:
        return MARGIN + self.rank * RANK_H


@dataclass(frozen=True)
class Edge:
    trigger: str
    label: str
    source: str
    dest: str
    automatic: bool


def edges(spec: MachineSpec) -> list[Edge]:
    return [Edge(t.trigger, t.label, source, t.dest, t.automatic)
            for t in spec.transitions for source in t.sources]


def ranks(spec: MachineSpec) -> dict[str, int]:
    """Longest distance from the first state over forward edges (DFS drops back edges)."""
    names = [s.name for s in spec.states]
    successors: dict[str, list[str]] = {n: [] for n in names}
    for edge in edges(spec):
        if edge.dest not in successors[edge.source]:
            successors[edge.source].append(edge.dest)
    forward: dict[str, list[str]] = {n: [] for n in names}
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> None:
        visiting.add(node)
        for nxt in successors[node]:
            if nxt in visiting:
                continue  # a back edge: drawn in a lane, ignored for ranking
            forward[node].append(nxt)
            if nxt not in done:
                visit(nxt)
        visiting.discard(node)
        done.add(node)

    for name in names:
        if name not in done:
            visit(name)
    rank = dict.fromkeys(names, 0)
    for _ in names:  # relax |V| times: longest path in a DAG
        for node in names:
            for nxt in forward[node]:
                rank[nxt] = max(rank[nxt], rank[node] + 1)
    return rank


def layout(spec: MachineSpec) -> dict[str, Node]:
    rank = ranks(spec)
    used: dict[int, int] = {}
    nodes = {}
    for state in spec.states:
        r = rank[state.name]
        nodes[state.name] = Node(state.name, state.label, r, used.get(r, 0))
        used[r] = used.get(r, 0) + 1
    return nodes


def render_svg(spec: MachineSpec, current: str | None = None,
               forum: str | None = None) -> Markup:
    """`forum`: what the labels say instead of "SSU" (the agreement's forum of the day)."""
    nodes = {name: replace(node, label=replace_forum(node.label, forum))
             for name, node in layout(spec).items()}
    all_edges = [replace(e, label=replace_forum(e.label, forum)) for e in edges(spec)]
    numbers = {t.trigger: i for i, t in enumerate(spec.transitions, start=1)}
    columns = max(n.column for n in nodes.values()) + 1
    lanes: dict[tuple[str, str], int] = {}
    for edge in all_edges:
        s, d = nodes[edge.source], nodes[edge.dest]
        if not _adjacent(s, d):
            side = _side(s, d)
            lanes.setdefault((side, edge.dest), sum(1 for k in lanes if k[0] == side))
    left = sum(1 for k in lanes if k[0] == "left")
    right = len(lanes) - left
    shift = LANE_GAP * (left + 1) if left else 0
    right_x = shift + MARGIN + (columns - 1) * COL_W + NODE_W + LANE_GAP
    width = right_x + LANE_GAP * right + MARGIN
    height = MARGIN * 2 + max(n.rank for n in nodes.values()) * RANK_H + NODE_H
    title = f"Livscyklus: {spec.label}"
    current_text = f" Nuværende tilstand: {nodes[current].label}." if current else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle" role="img" '
        f'viewBox="{-shift} 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="diagram-title-{spec.name} diagram-desc-{spec.name}">',
        f'<title id="diagram-title-{spec.name}">{escape(title)}</title>',
        f'<desc id="diagram-desc-{spec.name}">{len(nodes)} tilstande og {len(all_edges)} '
        f'overgange.{escape(current_text)} Pilenes numre henviser til tabellen under '
        'diagrammet.</desc>',
        f'<defs><marker id="arrow-{spec.name}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path '
        'd="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ]
    labelled: set[tuple[str, str]] = set()
    for edge in all_edges:
        s, d = nodes[edge.source], nodes[edge.dest]
        lane_x = None
        if not _adjacent(s, d):
            side = _side(s, d)
            index = lanes[(side, edge.dest)]
            lane_x = (MARGIN - LANE_GAP * (index + 1) if side == "left"
                      else right_x + LANE_GAP * index)
        first = (edge.trigger, edge.dest) not in labelled or lane_x is None
        labelled.add((edge.trigger, edge.dest))
        parts.append(_edge(spec.name, edge, s, d, lane_x, numbers[edge.trigger], first))
    for node in nodes.values():
        parts.append(_node(spec, node, node.name == current))
    parts.append("</svg>")
    return Markup("".join(parts))


def _adjacent(source: Node, dest: Node) -> bool:
    return dest.rank == source.rank + 1


def _side(source: Node, dest: Node) -> str:
    return "left" if source.column == 0 and dest.column == 0 else "right"


GAP = RANK_H - NODE_H


def _edge(machine: str, edge: Edge, s: Node, d: Node, lane_x: int | None, number: int,
          show_number: bool) -> str:
    """A straight arrow to the next rank; otherwise down into the gap, along a lane at the
    side, and into the target from above: lanes never cross a state's box."""
    kind = "automatic" if edge.automatic else "manual"
    label = escape(f"{number}. {edge.label}" + (" (automatisk)" if edge.automatic else ""))
    marker = f'marker-end="url(#arrow-{machine})"'
    head = (f'<g class="edge {kind}" data-trigger="{escape(edge.trigger)}" '
            f'data-source="{s.name}" data-dest="{d.name}"><title>{label}</title>')
    if lane_x is None:
        x1, y1 = s.x + NODE_W // 2, s.y + NODE_H
        x2, y2 = d.x + NODE_W // 2, d.y
        if s.column != d.column:  # leave from the side that faces the target
            x1 += (NODE_W // 3) * (1 if d.column > s.column else -1)
        line = f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" {marker}/>'
        return head + line + _number((x1 + x2) / 2, (y1 + y2) / 2, number) + "</g>"
    toward = 0.85 if lane_x > s.x else 0.15
    x1, x2 = s.x + int(NODE_W * toward), d.x + int(NODE_W * toward)
    y_out = s.y + NODE_H + GAP * 0.3
    y_in = d.y - GAP * 0.3
    path = (f'<path d="M{x1},{s.y + NODE_H} V{y_out:.0f} H{lane_x} V{y_in:.0f} H{x2} V{d.y}" '
            f'fill="none" {marker}/>')
    mark = _number((x2 + lane_x) / 2, y_in, number) if show_number else ""
    return head + path + mark + "</g>"


def _number(x: float, y: float, number: int) -> str:
    return (f'<g class="edge-number"><circle cx="{x:.0f}" cy="{y:.0f}" r="9"/>'
            f'<text x="{x:.0f}" y="{y + 4:.0f}" text-anchor="middle">{number}</text></g>')


def _node(spec: MachineSpec, node: Node, is_current: bool) -> str:
    state = spec.state(node.name)
    classes = "state" + (" current" if is_current else "") + (" final" if state.final else "")
    extra = ' aria-current="true"' if is_current else ""
    note = " (nuværende)" if is_current else ""
    return (f'<g class="{classes}" id="state-{node.name}"{extra}>'
            f'<title>{escape(node.label + note)}</title>'
            f'<rect x="{node.x}" y="{node.y}" width="{NODE_W}" height="{NODE_H}" rx="8"/>'
            f'{_label(node)}</g>')


def _label(node: Node) -> str:
    """The state's label centred in its box; a long one over two or three lines."""
    x, middle = node.x + NODE_W // 2, node.y + NODE_H // 2
    lines = textwrap.wrap(node.label, LINE_CHARS) if len(node.label) > LINE_CHARS else []
    if not lines:
        return f'<text x="{x}" y="{middle + 5}" text-anchor="middle">{escape(node.label)}</text>'
    small = len(lines) > 2
    step = 13 if small else 15
    top = middle + 4 - step * (len(lines) - 1) // 2
    spans = "".join(f'<tspan x="{x}" y="{top + i * step}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    size = ' font-size="11"' if small else ""
    return f'<text text-anchor="middle"{size}>{spans}</text>'
