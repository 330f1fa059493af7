"""The ``--json`` report: the stack, every resource with inputs and options (as registered and
as the engine applies them), the destroy order, every violation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.preview.destroy import DestroyPlan
from tools.preview.findings import Finding
from tools.preview.model import PreviewResource
from tools.preview.values import plain_properties, scrub


def resource_entry(resource: PreviewResource) -> dict[str, Any]:
    """One resource: identity, inputs (secrets as ``[secret]``), its options as registered and
    the effective lifecycle options, with the ancestor each inherited one comes from."""
    options, lifecycle = resource.options, resource.lifecycle
    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "parent": resource.parent or None,
        "inputs": plain_properties(resource.inputs),
        "options": {
            "protect": bool(options.protect),
            "retainOnDelete": bool(options.retain_on_delete),
            "deletedWith": options.deleted_with or None,
            "ignoreChanges": list(options.ignore_changes),
            "replaceOnChanges": list(options.replace_on_changes),
            "deleteBeforeReplace": options.delete_before_replace,
            "customTimeouts": dict(sorted(options.custom_timeouts.items())),
            "dependencies": list(options.dependencies),
            "propertyDependencies": {
                key: list(urns) for key, urns in sorted(options.property_dependencies.items())
            },
        },
        "effectiveOptions": {
            "protect": lifecycle.protect,
            "retainOnDelete": lifecycle.retain_on_delete,
            "deletedWith": lifecycle.deleted_with or None,
            "inheritedFrom": dict(sorted(lifecycle.inherited(resource.urn).items())),
        },
    }


def destroy_entry(plan: DestroyPlan) -> dict[str, Any]:
    """The order ``pulumi destroy`` deletes in, and the protected resources that stop it."""
    return {
        "blockedBy": list(plan.blocked_by),
        "order": [
            {
                "urn": step.urn,
                "wave": step.wave,
                "action": step.action,
                "waitsFor": list(step.waits_for),
            }
            for step in plan.steps
        ],
    }


def violation_entry(finding: Finding) -> dict[str, str]:
    """One policy violation."""
    return {
        "policyPack": finding.policy_pack,
        "policy": finding.policy,
        "enforcementLevel": finding.enforcement_level,
        "urn": finding.urn,
        "message": finding.message,
    }


def build_report(
    stack: str,
    resources: Sequence[PreviewResource],
    findings: Sequence[Finding],
    secrets: set[str] | None = None,
) -> dict[str, Any]:
    """The whole report; any known secret text left in free-form strings is scrubbed too."""
    report = {
        "stack": stack,
        "resources": [resource_entry(r) for r in resources],
        "destroy": destroy_entry(DestroyPlan(resources)),
        "policyViolations": [violation_entry(f) for f in findings],
    }
    scrubbed: dict[str, Any] = _scrub_strings(report, secrets or set())
    return scrubbed


def _scrub_strings(value: Any, secrets: set[str]) -> Any:
    if not secrets:
        return value
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, list):
        return [_scrub_strings(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_strings(item, secrets) for key, item in value.items()}
    return value


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write the report as indented, key-sorted JSON (stable across runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
