"""Hand every resource to a policy pack the way the engine does, and collect the violations.

What the engine sends (pkg/resource/deploy/step_generator.go): ``Analyze`` once per registered
resource — custom resources, component resources, explicit providers and the root
``pulumi:pulumi:Stack`` alike, nothing is skipped — with the resource's *inputs* (after the
provider's ``Check``; under mocks there is no ``Check``, so the inputs as the program sent them)
and its options (protect, ignoreChanges, deleteBeforeReplace, parent, provider). Then
``AnalyzeStack`` once, with every resource's *outputs* (its state after the step), parent,
dependencies and property dependencies. The pack itself decides which types a policy applies to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.policy_analyzer import (
    AnalyzedResource,
    CustomTimeouts,
    PolicyPackProcess,
    ResourceOptionsView,
    Violation,
)
from tools.preview.findings import Finding, PackSummary, PolicyReport
from tools.preview.model import PreviewResource
from tools.preview.values import scrub

_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def analyzed_resource(resource: PreviewResource, *, for_stack: bool) -> AnalyzedResource:
    """The resource as the engine hands it to a pack: inputs for Analyze, outputs for the stack."""
    options = resource.options
    return AnalyzedResource(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        properties=resource.outputs if for_stack else resource.inputs,
        options=ResourceOptionsView(
            # The engine hands a pack the effective option (inherited from the parent).
            protect=resource.lifecycle.protect,
            ignore_changes=options.ignore_changes,
            delete_before_replace=options.delete_before_replace,
            custom_timeouts=engine_timeouts(options.custom_timeouts),
            parent=resource.parent,
            dependencies=options.dependencies,
            property_dependencies=options.property_dependencies,
            # A provider reference on the wire is `<urn>::<id>`; the client wants the URN.
            provider=options.provider.rsplit("::", 1)[0] if options.provider else "",
        ),
        parent=resource.parent,
    )


def engine_timeouts(timeouts: Mapping[str, str]) -> CustomTimeouts | None:
    """Timeouts in seconds, as the engine parses the program's duration strings for a pack."""
    if not timeouts:
        return None
    return CustomTimeouts(
        **{operation: duration_seconds(text) for operation, text in timeouts.items()}
    )


def duration_seconds(text: str) -> float:
    """A Go duration (``"1h30m"``, ``"45s"``, ``"2.5m"``) in seconds; 0 when it does not parse.

    The engine reads custom timeouts with Go's ``time.ParseDuration``; a value it cannot parse
    counts as no timeout there too.
    """
    parts = _DURATION_PART.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        return 0.0
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


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
