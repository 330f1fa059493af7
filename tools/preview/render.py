"""Render a preview for the console: a resource tree like ``pulumi preview``, counts, policies."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from tools.preview.destroy import DELETE, DestroyPlan
from tools.preview.findings import ENFORCEMENT_LEVELS, Finding, PolicyReport
from tools.preview.model import PreviewResource
from tools.preview.values import plain_properties

_MIN_TYPE_COLUMN = 40
_LEVEL_MARKERS = {"mandatory": "❌", "remediate": "❌", "advisory": "⚠️ ", "disabled": "  "}


def display_type(type_token: str) -> str:
    """A type token the way Pulumi displays it: ``aws:kms/key:Key`` becomes ``aws:kms:Key``."""
    parts = type_token.split(":")
    if len(parts) != 3 or "/" not in parts[1]:
        return type_token
    package, module, name = parts
    namespace, _, file = module.rpartition("/")
    if file != name[:1].lower() + name[1:]:
        return type_token
    return f"{package}:{namespace}:{name}"


def urn_label(urn: str) -> str:
    """``type: name`` of a URN, as the Policies section names resources."""
    if not urn:
        return "(the stack as a whole)"
    parts = urn.split("::")
    if len(parts) < 4:
        return urn
    return f"{parts[2].rsplit('$', 1)[-1]}: {'::'.join(parts[3:])}"


def render_tree(resources: Sequence[PreviewResource], *, show_inputs: bool = False) -> str:
    """Resources indented under their parents, each with a ``+`` (create) marker."""
    children: dict[str, list[PreviewResource]] = {}
    known = {r.urn for r in resources}
    roots: list[PreviewResource] = []
    for resource in resources:
        if resource.parent and resource.parent in known:
            children.setdefault(resource.parent, []).append(resource)
        else:
            roots.append(resource)
    rows: list[tuple[str, PreviewResource, str]] = []

    def walk(resource: PreviewResource, prefix: str, branch: str) -> None:
        rows.append((prefix + branch + display_type(resource.type), resource, prefix))
        kids = children.get(resource.urn, [])
        deeper = prefix + {"": "", "└─ ": "   "}.get(branch, "│  ")
        for index, kid in enumerate(kids):
            walk(kid, deeper, "└─ " if index == len(kids) - 1 else "├─ ")

    for root in roots:
        walk(root, "", "")
    width = max([_MIN_TYPE_COLUMN, *(len(label) + 2 for label, _, _ in rows)])
    lines = [f"     {'Type':<{width}}Name"]
    for label, resource, prefix in rows:
        lines.append(f" +   {label:<{width}}{resource.name}{_option_markers(resource)}")
        if show_inputs:
            lines.extend(_input_lines(resource, " " * 5 + prefix + "      "))
    return "\n".join(lines)


def _option_markers(resource: PreviewResource) -> str:
    """What a reviewer must notice about a resource's lifecycle (effective), after its name."""
    options = resource.lifecycle
    inherited = options.inherited(resource.urn)

    def marker(option: str, text: str) -> str:
        source = inherited.get(option)
        return f"[{text}, from {urn_label(source)}]" if source else f"[{text}]"

    markers = [
        marker("protect", "protected") if options.protect else "",
        marker("retainOnDelete", "retain on delete") if options.retain_on_delete else "",
        marker("deletedWith", f"deleted with {urn_label(options.deleted_with)}")
        if options.deleted_with
        else "",
    ]
    return "".join(f"  {marker}" for marker in markers if marker)


def _input_lines(resource: PreviewResource, indent: str) -> list[str]:
    return [
        f"{indent}{key}: {json.dumps(value, sort_keys=True)}"
        for key, value in plain_properties(resource.inputs).items()
    ]


def render_counts(resources: Sequence[PreviewResource]) -> str:
    """How many resources would be created, in total and per type."""
    counts = Counter(r.type for r in resources)
    lines = ["Resources:", f"    + {len(resources)} to create", "", "    Count  Type"]
    for type_token, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"    {count:>5}  {type_token}")
    return "\n".join(lines)


def render_destroy(resources: Sequence[PreviewResource]) -> str:
    """The order ``pulumi destroy`` would delete in, wave by wave, and what would stop it."""
    plan = DestroyPlan(resources)
    lines = ["Destroy order (`pulumi destroy`; each wave after the one before):"]
    if plan.blocked_by:
        lines.append(
            f"    blocked: {_count(len(plan.blocked_by), 'protected resource')} "
            "(the destroy fails before deleting anything):"
        )
        lines.extend(f"        {urn_label(urn)}" for urn in plan.blocked_by)
    for step in plan.steps:
        action = "" if step.action == DELETE else f"  [{step.action}]"
        lines.append(f"    {step.wave:>3}  {urn_label(step.urn)}{action}")
    return "\n".join(lines)


def render_policies(report: PolicyReport) -> str:
    """Violations grouped by pack, then enforcement level, each with its resource and message."""
    lines = ["Policies:"]
    for pack in report.packs:
        found = [f for f in report.findings if f.policy_pack == pack.name]
        marker = _pack_marker(found)
        violations = _count(len(found), "violation")
        lines.append(
            f"    {marker} {pack.name}@v{pack.version} (local: {pack.path}): "
            f"{pack.policy_count} policies, {violations}"
        )
        for level in ENFORCEMENT_LEVELS:
            at_level = [f for f in found if f.enforcement_level == level]
            if at_level:
                lines.append(f"        {level} ({len(at_level)})")
                lines.extend(_finding_lines(f) for f in at_level)
    return "\n".join(lines)


def _pack_marker(found: Sequence[Finding]) -> str:
    levels = {f.enforcement_level for f in found}
    for level in ("mandatory", "remediate", "advisory"):
        if level in levels:
            return _LEVEL_MARKERS[level].strip()
    return "✅"


def _finding_lines(finding: Finding) -> str:
    message = "\n".join(f"              {line}" for line in finding.message.splitlines())
    return f"            - {finding.policy}  ({urn_label(finding.urn)})\n{message}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def render_summary(report: PolicyReport) -> str:
    """One line: how many violations at each level, and whether the preview passes."""
    counts = Counter(f.enforcement_level for f in report.findings)
    parts = [f"{counts.get(level, 0)} {level}" for level in ENFORCEMENT_LEVELS[:3]]
    verdict = "FAILED (mandatory policy violated)" if report.mandatory else "passed"
    return f"Policy result: {', '.join(parts)} — {verdict}"


def render_preview(
    stack: str,
    resources: Sequence[PreviewResource],
    report: PolicyReport,
    *,
    show_inputs: bool = False,
) -> str:
    """The whole console report for one stack."""
    return (
        "\n\n".join(
            [
                f"Previewing update ({stack}) offline, under Pulumi's mock runtime:",
                render_tree(resources, show_inputs=show_inputs),
                render_counts(resources),
                render_destroy(resources),
                render_policies(report),
                render_summary(report),
            ]
        )
        + "\n"
    )
