"""Hand every resource to a policy pack the way the engine does, and collect the violations.

What the engine sends (pkg/resource/deploy/step_generator.go): ``Analyze`` once per registered
resource — custom resources, component resources, explicit providers and the root
``pulumi:pulumi:Stack`` alike, nothing is skipped — with the resource's *inputs* (after the
provider's ``Check``; under mocks there is no ``Check``, so the inputs as the program sent them)
and its options (protect, ignoreChanges, deleteBeforeReplace, customTimeouts, aliases,
additionalSecretOutputs, parent, provider). Then
``AnalyzeStack`` once, with every resource's *outputs* (its state after the step), parent,
dependencies and property dependencies. The pack itself decides which types a policy applies to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from tools.policy_analyzer import AnalyzedResource, PolicyPackProcess, Violation
from tools.preview.findings import Finding, PackSummary, PolicyReport
from tools.preview.model import PreviewResource
from tools.preview.values import scrub


def analyzed_resource(resource: PreviewResource, *, for_stack: bool) -> AnalyzedResource:
    """The resource as the engine hands it to a pack: inputs for Analyze, outputs for the stack."""
    return AnalyzedResource(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        properties=resource.outputs if for_stack else resource.inputs,
        # The engine hands a pack the effective protect (inherited from the parent).
        options=dataclasses.replace(resource.options, protect=resource.lifecycle.protect),
        parent=resource.parent,
    )


def analyse(
    pack: PolicyPackProcess,
    pack_dir: Path,
    resources: Sequence[PreviewResource],
    secrets: set[str] | None = None,
) -> PolicyReport:
    """Send each resource through Analyze and all of them through AnalyzeStack."""
    info = pack.info()
    violations: list[Violation] = []
    for resource in resources:
        violations.extend(pack.analyze(analyzed_resource(resource, for_stack=False)))
    violations.extend(pack.analyze_stack([analyzed_resource(r, for_stack=True) for r in resources]))
    summary = PackSummary(
        name=info.name, version=info.version, path=str(pack_dir), policy_count=len(info.policies)
    )
    findings = tuple(_finding(v, secrets or set()) for v in violations)
    return PolicyReport(packs=(summary,), findings=findings)


def enforcement_level_name(level: object) -> str:
    """``mandatory``, ``advisory``, ``remediate`` or ``disabled``, whatever form the level has."""
    name = getattr(level, "value", None)
    text = str(name if isinstance(name, str) else getattr(level, "name", level))
    return text.rsplit(".", 1)[-1].lower()


def _finding(violation: Violation, secrets: set[str]) -> Finding:
    return Finding(
        policy_pack=violation.policy_pack,
        policy=violation.policy,
        enforcement_level=enforcement_level_name(violation.enforcement_level),
        urn=violation.urn,
        message=scrub(violation.message or violation.description, secrets),
    )
