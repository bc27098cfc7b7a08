"""The lifecycle as a Mermaid state diagram, generated from the machine declaration."""

from __future__ import annotations

from aftaleflow.domain.machines import MachineSpec


def mermaid(spec: MachineSpec, current: str | None = None) -> str:
    """Mermaid `stateDiagram-v2` text; automatic transitions are dashed-labelled (auto)."""
    lines = ["stateDiagram-v2", "    direction LR"]
    for state in spec.states:
        lines.append(f'    {state.name} : {state.label}')
    lines.append(f"    [*] --> {spec.states[0].name}")
    for t in spec.transitions:
        label = t.label + (" (automatisk)" if t.automatic else "")
        for source in t.sources:
            lines.append(f"    {source} --> {t.dest} : {label}")
    for state in spec.states:
        if state.final:
            lines.append(f"    {state.name} --> [*]")
    if current:
        lines.append("    classDef current fill:#ffd54f,stroke:#333,stroke-width:2px")
        lines.append(f"    class {current} current")
    return "\n".join(lines)
