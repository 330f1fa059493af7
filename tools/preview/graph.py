"""The stack as a Mermaid diagram: components, their resources by type, and what uses what.

One subgraph per component resource (nested components nest); inside it one node per resource
type with how many there are, so fifty alarms are one box. An arrow ``A --> B`` says something in
``A`` takes an input from, or explicitly depends on, something in ``B``: inside a component between
its type groups, between components as one arrow from component to component. Edges come from
each resource's ``dependencies`` and ``propertyDependencies`` as registered, deduplicated.
Everything is named and sorted by component name and type (never by registration order, which
depends on when inputs resolve), so the same program always gives the same text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.preview.errors import PreviewError
from tools.preview.model import PreviewResource
from tools.preview.render import display_type

REGENERATE = "python -m tools.preview --stack dev --graph mermaid --write docs/architecture.md"
"""The one command that regenerates the diagram held in docs/architecture.md."""
BEGIN_MARKER = f"<!-- BEGIN GENERATED DIAGRAM: {REGENERATE} -->"
END_MARKER = "<!-- END GENERATED DIAGRAM -->"
_MERMAID_KEYWORDS = frozenset({"end", "graph", "subgraph", "flowchart", "direction", "style"})
NodeOf = Callable[[PreviewResource], str]


@dataclass
class _Group:
    """A subgraph: a component, or the stack itself for resources outside any component."""

    node_id: str
    title: str
    urn: str
    types: Counter[str] = field(default_factory=Counter)
    children: list[_Group] = field(default_factory=list)


def render_mermaid(resources: Sequence[PreviewResource]) -> str:
    """The Mermaid ``flowchart`` text for the resources of one stack."""
    by_urn = {r.urn: r for r in resources}
    groups: dict[str, _Group] = {}
    roots: list[_Group] = []
    for resource in resources:
        if _is_component(resource):
            node_id = _identifier(resource.name)
            if node_id in {g.node_id for g in groups.values()}:
                node_id = _component_id(resource)
            group = _Group(node_id, _title(resource), resource.urn)
            groups[resource.urn] = group
            parent = groups.get(resource.parent)
            (parent.children if parent else roots).append(group)
    type_ids: dict[tuple[str, str], str] = {}
    loose: Counter[str] = Counter()

    def node_of(resource: PreviewResource) -> str:
        """The diagram node a resource belongs to: a component's own box or a type group."""
        if resource.urn in groups:
            return groups[resource.urn].node_id
        home = groups[resource.parent].node_id if resource.parent in groups else "stack"
        key = (resource.parent if resource.parent in groups else "", resource.type)
        short = display_type(resource.type).removeprefix("aws:")
        return type_ids.setdefault(key, f"{home}__{_identifier(short)}")

    drawn = [r for r in resources if r.custom and not r.is_provider]
    for resource in drawn:
        node_of(resource)
        if resource.parent in groups:
            groups[resource.parent].types[resource.type] += 1
        else:
            loose[resource.type] += 1
    lines = ["flowchart LR"]
    for group in sorted(roots, key=lambda g: g.node_id):
        lines.extend(_subgraph(group, type_ids, indent="    "))
    for type_token, count in sorted(loose.items()):
        lines.append(f"    {type_ids[('', type_token)]}{_label(type_token, count)}")
    lines.extend(_edges(drawn, by_urn, groups, node_of))
    return "\n".join(lines) + "\n"


def _is_component(resource: PreviewResource) -> bool:
    return not resource.custom and not resource.is_stack and not resource.is_provider


def _identifier(text: str) -> str:
    """Letters, digits and ``_`` only; never a Mermaid keyword or a leading digit."""
    name = re.sub(r"\W+", "_", text).strip("_") or "unnamed"
    if name.lower() in _MERMAID_KEYWORDS or name[0].isdigit():
        return f"n_{name}"
    return name


def _component_id(component: PreviewResource) -> str:
    """A Mermaid id from the component's name and type (two components may share a name)."""
    return _identifier(f"{component.name}_{component.type.rsplit(':', 1)[-1]}")


def _title(component: PreviewResource) -> str:
    return f"{component.name} ({component.type.rsplit(':', 1)[-1]})"


def _label(type_token: str, count: int) -> str:
    text = display_type(type_token) + (f" ×{count}" if count > 1 else "")
    return '["' + text.replace('"', "'") + '"]'


def _subgraph(group: _Group, type_ids: dict[tuple[str, str], str], indent: str) -> list[str]:
    title = group.title.replace('"', "'")
    lines = [f'{indent}subgraph {group.node_id}["{title}"]']
    for child in sorted(group.children, key=lambda g: g.node_id):
        lines.extend(_subgraph(child, type_ids, indent + "    "))
    for type_token, count in sorted(group.types.items(), key=lambda item: display_type(item[0])):
        lines.append(f"{indent}    {type_ids[(group.urn, type_token)]}{_label(type_token, count)}")
    lines.append(f"{indent}end")
    return lines


def _edges(
    drawn: Sequence[PreviewResource],
    by_urn: dict[str, PreviewResource],
    groups: dict[str, _Group],
    node_of: NodeOf,
) -> list[str]:
    """Deduplicated arrows from a resource's node to the nodes of what it depends on."""
    seen: dict[tuple[str, str], bool] = {}
    for resource in drawn:
        targets = set(resource.options.dependencies)
        for urns in resource.options.property_dependencies.values():
            targets.update(urns)
        for target_urn in sorted(targets):
            target = by_urn.get(target_urn)
            if target is None or target.is_stack or target.is_provider:
                continue
            source_id, target_id = _endpoints(resource, target, groups, node_of)
            if source_id != target_id:
                inside = _component_of(resource, groups) == _component_of(target, groups)
                seen.setdefault((source_id, target_id), inside)
    # Registration order depends on when inputs resolve; sorting makes the text repeatable.
    edges = sorted(seen)
    kept = _without_implied(edges, {edge for edge, inside in seen.items() if inside})
    return [f"    {source} --> {target}" for source, target in kept]


def _without_implied(
    edges: list[tuple[str, str]], reducible: set[tuple[str, str]]
) -> list[tuple[str, str]]:
    """``edges`` less each reducible edge whose target is still reachable another way.

    Inside a component most arrows are implied by others (a stage uses the API its deployment
    already uses); dropping those keeps the diagram readable and never changes what reaches what.
    """
    kept = list(edges)
    for edge in edges:
        if edge not in reducible:
            continue
        others = [e for e in kept if e != edge]
        if _reaches(others, *edge):
            kept = others
    return kept


def _reaches(edges: list[tuple[str, str]], start: str, goal: str) -> bool:
    following: dict[str, list[str]] = {}
    for source, target in edges:
        following.setdefault(source, []).append(target)
    stack, seen = [start], {start}
    while stack:
        for target in following.get(stack.pop(), []):
            if target == goal:
                return True
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return False


def _endpoints(
    resource: PreviewResource, target: PreviewResource, groups: dict[str, _Group], find: NodeOf
) -> tuple[str, str]:
    """Type group to type group inside one component; component to component across them."""
    home, away = _component_of(resource, groups), _component_of(target, groups)
    if home == away:
        return find(resource), find(target)
    source = groups[home].node_id if home else find(resource)
    goal = groups[away].node_id if away else find(target)
    return source, goal


def _component_of(resource: PreviewResource, groups: dict[str, _Group]) -> str:
    """The URN of the outermost component holding the resource ('' for none)."""
    if resource.urn in groups:
        return resource.urn
    return resource.parent if resource.parent in groups else ""


def replace_generated_block(document: str, diagram: str, path: Path) -> str:
    """``document`` with the text between the markers replaced by the fenced diagram."""
    start, end = document.find(BEGIN_MARKER), document.find(END_MARKER)
    if start < 0 or end < start:
        raise PreviewError(
            f"{path} has no generated-diagram block: add the lines {BEGIN_MARKER} and "
            f"{END_MARKER} where the diagram belongs"
        )
    block = f"{BEGIN_MARKER}\n```mermaid\n{diagram}```\n"
    return document[:start] + block + document[end:]


def generated_block(document: str) -> str:
    """The diagram text currently between the markers (without the code fence)."""
    start, end = document.find(BEGIN_MARKER), document.find(END_MARKER)
    if start < 0 or end < start:
        return ""
    inner = document[start + len(BEGIN_MARKER) : end].strip("\n")
    return inner.removeprefix("```mermaid\n").removesuffix("```") if inner else ""
