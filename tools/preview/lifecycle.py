"""Findings the policy pack cannot make: resource options the engine never sends it.

The engine hands a CrossGuard pack ``protect`` and ``ignoreChanges`` but neither
``retainOnDelete`` nor ``deletedWith`` (``pulumi_policy``'s ``PolicyResourceOptions`` has no field
for them). Either makes a database outlive ``pulumi destroy``: ``retainOnDelete`` drops it from the
state but leaves it in AWS, and ``deletedWith`` tells the engine to skip its delete because another
resource's deletion is supposed to take it along — which no AWS resource does for an RDS, DocumentDB
or Neptune database. The preview sees every option the program registered, so it reports these
itself, as a mandatory finding in the same report as the pack's. It judges the *effective*
options (a database inside a component marked ``retain_on_delete=True`` is retained too) and
says where an inherited one came from.

The destroy order is checked here too (``tools/preview/destroy_checks.py``): a resource another
needs for its own deletion must not go first.
"""

from __future__ import annotations

from collections.abc import Sequence

from tools.preview.destroy import DestroyPlan
from tools.preview.destroy_checks import CHECKS as DESTROY_CHECKS
from tools.preview.destroy_checks import destroy_order_findings
from tools.preview.findings import Finding, PackSummary, PolicyReport
from tools.preview.model import PreviewResource
from tools.preview.options import resolve_options

CHECKS_PACK = "offline-preview"
"""The pack name the preview's own findings carry in the report and the JSON."""
CHECKS_VERSION = "1"
DATABASE_OUTLIVES_DESTROY = "preview-database-outlives-destroy"

DATABASE_TYPES = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/globalCluster:GlobalCluster",
        "aws:docdb/cluster:Cluster",
        "aws:docdb/clusterInstance:ClusterInstance",
        "aws:docdb/globalCluster:GlobalCluster",
        "aws:docdb/elasticCluster:ElasticCluster",
        "aws:neptune/cluster:Cluster",
        "aws:neptune/clusterInstance:ClusterInstance",
        "aws:neptune/globalCluster:GlobalCluster",
    }
)
"""Every database type on the RDS API (DocumentDB and Neptune share it) and DocumentDB Elastic."""

CHECK_COUNT = 1 + len(DESTROY_CHECKS)


def checks_summary() -> PackSummary:
    """The preview's own checks, listed in the report like a pack."""
    return PackSummary(
        name=CHECKS_PACK,
        version=CHECKS_VERSION,
        path="tools/preview/lifecycle.py",
        policy_count=CHECK_COUNT,
    )


def lifecycle_findings(resources: Sequence[PreviewResource]) -> tuple[Finding, ...]:
    """A mandatory finding for each database ``pulumi destroy`` would leave behind, and for
    each resource the destroy order deletes before another that needs it."""
    resolved = resolve_options(resources)
    databases = (
        finding
        for resource in resolved
        if resource.type in DATABASE_TYPES
        for finding in _database_findings(resource)
    )
    return (*databases, *destroy_order_findings(resolved, DestroyPlan(resolved), CHECKS_PACK))


def _how(resource: PreviewResource, option: str) -> str:
    """``sets`` or ``inherits ... from <ancestor>`` for an effective option."""
    source = resource.lifecycle.sources.get(option, resource.urn)
    return "sets" if source == resource.urn else f"inherits from {source}"


def _database_findings(resource: PreviewResource) -> list[Finding]:
    reasons = []
    lifecycle = resource.lifecycle
    if lifecycle.retain_on_delete:
        reasons.append(
            f"{_how(resource, 'retainOnDelete')} the retainOnDelete resource option: "
            "`pulumi destroy` removes it from the state and leaves it running (and billed) in AWS"
        )
    if lifecycle.deleted_with:
        reasons.append(
            f"{_how(resource, 'deletedWith')} deletedWith={lifecycle.deleted_with}: "
            "`pulumi destroy` skips its delete, and deleting that resource does not delete a "
            "database"
        )
    return [
        Finding(
            policy_pack=CHECKS_PACK,
            policy=DATABASE_OUTLIVES_DESTROY,
            enforcement_level="mandatory",
            urn=resource.urn,
            message=(
                f"{resource.type} '{resource.name}' {reason}. Stacks must stay destroyable: "
                "drop the option (keep data with a final snapshot instead). CrossGuard never "
                "sees this option, so only the offline preview reports it."
            ),
        )
        for reason in reasons
    ]


def with_lifecycle_findings(
    report: PolicyReport, resources: Sequence[PreviewResource]
) -> PolicyReport:
    """``report`` with the preview's own checks listed after the packs that ran."""
    return PolicyReport(
        packs=(*report.packs, checks_summary()),
        findings=(*report.findings, *lifecycle_findings(resources)),
    )
