"""Policy results as the preview reports them, independent of the analyzer client's types."""

from __future__ import annotations

from dataclasses import dataclass

ENFORCEMENT_LEVELS = ("mandatory", "remediate", "advisory", "disabled")
"""Every level a violation can carry, in the order the report lists them."""


@dataclass(frozen=True)
class Finding:
    """One policy violation: which pack and policy, how enforced, on which resource, and why."""

    policy_pack: str
    policy: str
    enforcement_level: str
    urn: str
    """The resource's URN; empty when a stack policy names no resource."""
    message: str


@dataclass(frozen=True)
class PackSummary:
    """A policy pack that ran: its name, version and where it was loaded from."""

    name: str
    version: str
    path: str
    policy_count: int


@dataclass(frozen=True)
class PolicyReport:
    """Every pack that ran and every violation they reported."""

    packs: tuple[PackSummary, ...]
    findings: tuple[Finding, ...]

    @property
    def mandatory(self) -> tuple[Finding, ...]:
        """The violations that fail the preview."""
        return tuple(f for f in self.findings if f.enforcement_level == "mandatory")
