"""An offline plan: what ``pulumi up`` from one program version to another would do, by URN.

Both versions run under the same mocks; the plan compares what each registers, the way the
engine compares the program with the state:

- a URN only in the new program is a ``create``; only in the old one, a ``delete`` (with the old
  program's ``retainOnDelete``, which is what the state holds);
- a new resource whose ``aliases`` (or its parent's, as the engine inherits them) name an old
  URN is that resource, moved: compared with it, never deleted and created;
- a resource whose inputs differ is an ``update``, or a replacement when a changed input is one
  the provider documents as forcing a new resource (``tools.preview.force_new``), is listed in
  ``replaceOnChanges``, or reads an output of a resource being replaced through such an input
  (the engine sees that value as unknown); values under an ``ignoreChanges`` path never differ.
  Both options take property paths (``tags.Name``, ``ingress[*].cidrBlocks``), applied path by
  path as the engine applies them (``tools.preview.property_paths``).

It is written in the shape of the CLI's preview digest (``pulumi preview --json``), so the plan
guard reads both. It is a plan between two programs, not against the deployed state: drift and
resources changed outside Pulumi are not in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format

from tools.preview.force_new import force_new
from tools.preview.model import STACK_TYPE, PreviewResource
from tools.preview.options import resolve_options
from tools.preview.property_paths import (
    Path,
    PropertyPathError,
    changed_paths,
    contains,
    parse_path,
    reset,
)
from tools.preview.values import plain_properties


@dataclass(frozen=True)
class _Change:
    """How one new resource relates to its predecessor."""

    op: str
    new: PreviewResource
    old: PreviewResource | None
    diff: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()


def build_plan(
    old: Sequence[PreviewResource],
    new: Sequence[PreviewResource],
    *,
    config: dict[str, str] | None = None,
    diagnostics: Sequence[dict[str, str]] = (),
) -> dict[str, Any]:
    """The plan from ``old`` to ``new`` as a preview digest document."""
    # The engine saves the options a resource inherits from its parent in the state.
    old, new = resolve_options(old), resolve_options(new)
    old_by_urn = {resource.urn: resource for resource in old}
    aliases = _effective_aliases(new)
    claimed: set[str] = set()
    replaced: set[str] = set()
    changes: list[_Change] = []
    for resource in new:
        predecessor = _predecessor(resource, old_by_urn, aliases, claimed)
        change = _compare(resource, predecessor, replaced)
        if change.op == "replace":
            replaced.add(resource.urn)
        changes.append(change)
    steps: list[dict[str, Any]] = []
    summary: Counter[str] = Counter()
    for change in changes:
        steps.extend(_steps(change))
        summary[change.op] += 1
    for resource in reversed(old):
        if resource.urn not in claimed:
            steps.append(_step("delete", resource.urn, old=resource))
            summary["delete"] += 1
    document: dict[str, Any] = {"config": config or {}, "steps": steps}
    if diagnostics:
        document["diagnostics"] = list(diagnostics)
    document["duration"] = 0
    document["changeSummary"] = dict(sorted(summary.items()))
    return document


def _predecessor(
    resource: PreviewResource,
    old_by_urn: dict[str, PreviewResource],
    aliases: dict[str, tuple[str, ...]],
    claimed: set[str],
) -> PreviewResource | None:
    for urn in (resource.urn, *aliases[resource.urn]):
        if urn in old_by_urn and urn not in claimed:
            claimed.add(urn)
            return old_by_urn[urn]
    return None


def _compare(resource: PreviewResource, old: PreviewResource | None, replaced: set[str]) -> _Change:
    if old is None:
        return _Change("create", resource, None)
    if resource.type != old.type:
        # An alias may name another type (a resource re-typed): the provider cannot update it.
        return _Change("replace", resource, old, ("__type",), ("__type",))
    changed = _changed_paths(old, resource)
    reads_replaced = {
        key
        for key, urns in resource.options.property_dependencies.items()
        if replaced.intersection(urns)
    }
    diff = tuple(sorted({str(path[0]) for path in changed} | reads_replaced))
    row = force_new(resource.type)
    forced_inputs = set(row.inputs) if row else set()
    forcing = _paths(resource, "replaceOnChanges", resource.options.replace_on_changes)
    # A path of replaceOnChanges forces a replacement when a change touches it: lies under
    # it (``tags`` and ``tags.Name``) or holds it (``tags`` removed, for ``tags.Name``). The
    # engine's answer to the second depends on the provider's detailed diff; the plan
    # assumes the replacement, the outcome a guard must not miss.
    touched = [*changed, *((key,) for key in reads_replaced)]
    replace = tuple(
        key
        for key in diff
        if key in forced_inputs
        or any(
            path[0] == key and (contains(rule, path) or contains(path, rule))
            for path in touched
            for rule in forcing
        )
    )
    if replace:
        return _Change("replace", resource, old, diff, replace)
    return _Change("update" if diff else "same", resource, old, diff)


def _changed_paths(old: PreviewResource, new: PreviewResource) -> set[Path]:
    """Where the new inputs differ from the old (secrets compared by value, shown redacted),
    after resetting each ``ignoreChanges`` path to the old value as the engine does."""
    before = json_format.MessageToDict(old.inputs)
    after = json_format.MessageToDict(new.inputs)
    for path in _paths(new, "ignoreChanges", new.options.ignore_changes):
        after = reset(before, after, path)
    return changed_paths(before, after)


def _paths(resource: PreviewResource, option: str, entries: Sequence[str]) -> list[Path]:
    try:
        return [parse_path(entry) for entry in entries]
    except PropertyPathError as error:
        raise PropertyPathError(f"{option} of {resource.urn}: {error}") from error


def _steps(change: _Change) -> list[dict[str, Any]]:
    if change.op != "replace":
        return [_step(change.op, change.new.urn, old=change.old, new=change.new, diff=change.diff)]
    assert change.old is not None
    create, logical = (
        _step(
            op,
            change.new.urn,
            old=change.old,
            new=change.new,
            diff=change.diff,
            replace=change.replace,
        )
        for op in ("create-replacement", "replace")
    )
    delete = _step("delete-replaced", change.new.urn, old=change.old)
    if _deletes_first(change):
        return [delete, logical, create]
    return [create, logical, delete]


def _deletes_first(change: _Change) -> bool:
    """Delete-before-replace: asked for, or a physical name the program fixes (the bridge
    deletes first so the new resource can take the name)."""
    if change.new.options.delete_before_replace:
        return True
    row = force_new(change.new.type)
    return bool(row and row.name_key and row.name_key in change.new.inputs.fields)


def _step(
    op: str,
    urn: str,
    *,
    old: PreviewResource | None = None,
    new: PreviewResource | None = None,
    diff: tuple[str, ...] = (),
    replace: tuple[str, ...] = (),
) -> dict[str, Any]:
    step: dict[str, Any] = {"op": op, "urn": urn}
    resource = new or old
    if resource is not None and resource.options.provider:
        step["provider"] = resource.options.provider
    if old is not None:
        step["oldState"] = _state(old)
    if new is not None:
        step["newState"] = _state(new)
    if diff and op not in {"same", "create", "delete", "delete-replaced"}:
        step["diffReasons"] = list(diff)
    if replace:
        step["replaceReasons"] = list(replace)
    step["detailedDiff"] = (
        {
            key: {"kind": "update-replace" if key in replace else "update", "inputDiff": True}
            for key in diff
        }
        if diff and op not in {"delete-replaced"}
        else None
    )
    return step


def _state(resource: PreviewResource) -> dict[str, Any]:
    """A ``ResourceV3`` as the CLI writes it in a digest (secrets as ``"[secret]"``), with the
    effective ``protect``, ``retainOnDelete`` and ``deletedWith`` the engine stores."""
    options, lifecycle = resource.options, resource.lifecycle
    state: dict[str, Any] = {
        "urn": resource.urn,
        "custom": resource.custom,
        "type": resource.type,
        "inputs": plain_properties(resource.inputs),
        "outputs": plain_properties(resource.outputs),
    }
    if resource.parent:
        state["parent"] = resource.parent
    if lifecycle.protect:
        state["protect"] = True
    if options.dependencies:
        state["dependencies"] = list(options.dependencies)
    if options.provider:
        state["provider"] = options.provider
    if options.property_dependencies:
        state["propertyDependencies"] = {
            key: list(urns) for key, urns in sorted(options.property_dependencies.items())
        }
    if options.aliases:
        state["aliases"] = list(options.aliases)
    if lifecycle.retain_on_delete:
        state["retainOnDelete"] = True
    if lifecycle.deleted_with:
        state["deletedWith"] = lifecycle.deleted_with
    return state


def _effective_aliases(resources: Sequence[PreviewResource]) -> dict[str, tuple[str, ...]]:
    """Each resource's own aliases plus those it inherits from its parent's: the engine gives
    a child the URN it had under each of its parent's old URNs, with the parent's name prefix
    swapped when the child's name starts with it."""
    by_urn = {resource.urn: resource for resource in resources}
    result: dict[str, tuple[str, ...]] = {}
    for resource in resources:  # registration order: a parent comes before its children
        own = list(resource.options.aliases)
        parent = by_urn.get(resource.parent)
        if parent is not None and parent.type != STACK_TYPE:
            for parent_alias in result.get(parent.urn, ()):
                name = resource.name
                if name.startswith(parent.name):
                    name = _urn_name(parent_alias) + name[len(parent.name) :]
                own.append(_child_urn(parent_alias, resource.type, name))
        result[resource.urn] = tuple(dict.fromkeys(own))
    return result


def _urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def _child_urn(parent_urn: str, type_token: str, name: str) -> str:
    prefix, project, parent_type, _ = parent_urn.split("::", 3)
    return f"{prefix}::{project}::{parent_type}${type_token}::{name}"
