"""From the resources a program registered to the preview's verdict: options resolved, every
resource through the policy pack, the preview's own lifecycle checks, and the exit status.

The CLI (``tools.preview.cli``) judges the resources its program child reports; the tests judge
programs they run in their own process the same way, through this one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.policy_analyzer import PolicyPackProcess
from tools.preview.analysis import analyse
from tools.preview.findings import PolicyReport
from tools.preview.lifecycle import with_lifecycle_findings
from tools.preview.model import PreviewResource
from tools.preview.options import resolve_options
from tools.preview.render import render_preview
from tools.preview.report_json import build_report
from tools.preview.stack_config import StackConfig
from tools.preview.values import secret_strings

EXIT_OK = 0
EXIT_MANDATORY_VIOLATION = 1
EXIT_COULD_NOT_RUN = 2


@dataclass(frozen=True)
class Judgement:
    """What the preview concludes about one stack's resources."""

    stack: str
    resources: list[PreviewResource]
    """The registered resources with their effective (inherited) options resolved."""
    report: PolicyReport
    secrets: frozenset[str]
    """Secret values (secret inputs, secret config) kept out of everything the preview prints."""

    @property
    def exit_status(self) -> int:
        """0 without a mandatory violation, 1 with at least one."""
        return EXIT_MANDATORY_VIOLATION if self.report.mandatory else EXIT_OK

    def console(self, *, show_inputs: bool = False) -> str:
        """The text the preview prints: the resource tree, the counts and the policy results."""
        return render_preview(self.stack, self.resources, self.report, show_inputs=show_inputs)

    def json_report(self) -> dict[str, Any]:
        """The document ``--json`` writes."""
        return build_report(self.stack, self.resources, self.report.findings, set(self.secrets))


def judge(
    pack: PolicyPackProcess,
    pack_dir: Path,
    stack: StackConfig,
    registered: Sequence[PreviewResource],
) -> Judgement:
    """Check ``registered`` (in registration order) with a running ``pack`` loaded from
    ``pack_dir``, then add the preview's lifecycle findings."""
    resources, secrets = prepare(stack, registered)
    report = with_lifecycle_findings(analyse(pack, pack_dir, resources, set(secrets)), resources)
    return Judgement(stack.stack, resources, report, secrets)


def prepare(
    stack: StackConfig, registered: Sequence[PreviewResource]
) -> tuple[list[PreviewResource], frozenset[str]]:
    """``registered`` with effective options resolved, and the secret values (secret inputs,
    secret config) kept out of everything the preview prints."""
    resources = resolve_options(registered)
    secrets = set().union(*(secret_strings(r.inputs) for r in resources))
    secrets |= {v for k, v in stack.config.items() if k in stack.secret_keys and len(v) > 3}
    return resources, frozenset(secrets)


def report_resources(stack: StackConfig, registered: Sequence[PreviewResource]) -> list[Any]:
    """The ``resources`` of the JSON report ``--json`` writes for ``registered``, without a
    policy pack (for tools that read the resources only)."""
    resources, secrets = prepare(stack, registered)
    entries: list[Any] = build_report(stack.stack, resources, [], set(secrets))["resources"]
    return entries
