"""RDS rules: every instance and cluster can be destroyed; encrypted with our key; not public."""

from __future__ import annotations

import re

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .common import UNKNOWN, config_value, get, is_set, is_truthy, label

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
RDS_TYPES = frozenset({INSTANCE, CLUSTER})
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
# Every database on the RDS API (DocumentDB and Neptune share it and its deletion settings).
SNAPSHOT_TYPES = frozenset(
    {INSTANCE, CLUSTER, "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster"}
)
"""Types whose delete takes a final snapshot unless skipped."""
MEMBER_INSTANCE_TYPES = frozenset(
    {
        CLUSTER_INSTANCE,
        "aws:docdb/clusterInstance:ClusterInstance",
        "aws:neptune/clusterInstance:ClusterInstance",
    }
)
"""Instances of a cluster: deletion settings live on the cluster, `protect` still blocks."""
GLOBAL_CLUSTER_TYPES = frozenset(
    {
        GLOBAL_CLUSTER,
        "aws:docdb/globalCluster:GlobalCluster",
        "aws:neptune/globalCluster:GlobalCluster",
    }
)
DESTROYABLE_TYPES = SNAPSHOT_TYPES | MEMBER_INSTANCE_TYPES | GLOBAL_CLUSTER_TYPES
PUBLIC_TYPES = frozenset({INSTANCE, CLUSTER}) | MEMBER_INSTANCE_TYPES
"""Types with a ``publicly_accessible`` input."""
_FROZEN_FIELDS = ("deletionProtection", "skipFinalSnapshot", "finalSnapshotIdentifier")
# The deletion settings each type has: ``ignore_changes`` can only freeze what exists. A cluster
# member (Aurora, DocumentDB, Neptune cluster instance) has none: its cluster decides.
_DELETION_FIELDS: dict[str, tuple[str, ...]] = {
    **{t: _FROZEN_FIELDS for t in SNAPSHOT_TYPES},
    **{t: () for t in MEMBER_INSTANCE_TYPES},
    GLOBAL_CLUSTER: ("deletionProtection", "forceDestroy"),
    "aws:docdb/globalCluster:GlobalCluster": ("deletionProtection",),
    "aws:neptune/globalCluster:GlobalCluster": ("deletionProtection",),
}
# A property path's first element: `["key"]` (quoted) or up to the first `.` / `[`.
_QUOTED_ROOT = re.compile(r'^\[\s*"((?:[^"\\]|\\.)*)"\s*\]')


def _normalise(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _root_property(path: str) -> str:
    """The top-level property an ignore_changes path names (``["deletionProtection"]``,
    ``deletionProtection.x`` and ``deletionProtection`` all name ``deletionProtection``)."""
    text = path.strip()
    quoted = _QUOTED_ROOT.match(text)
    if quoted:
        return quoted.group(1).strip()
    return re.split(r"[.\[]", text, maxsplit=1)[0].strip()


def _option_problems(args: ResourceValidationArgs) -> list[str]:
    """``ignore_changes`` entries that freeze a deletion setting this type has (``protect`` is
    judged over the stack, where the parent chain is known: see :func:`validate_protect`)."""
    problems: list[str] = []
    ignored = list(args.opts.ignore_changes or []) if args.opts is not None else []
    fields = _DELETION_FIELDS.get(args.resource_type, _FROZEN_FIELDS)
    frozen = {_normalise(f): f for f in fields}
    for entry in ignored:
        key = _normalise(_root_property(str(entry)))
        if (key == "*" and fields) or key in frozen:
            what = f"every property (including {', '.join(fields)})" if key == "*" else frozen[key]
            problems.append(
                f"{label(args)} lists {entry!r} in ignore_changes, which freezes {what}; "
                f"remove it so {', '.join(fields)} changes reach AWS"
            )
    return problems


def _property_problems(args: ResourceValidationArgs, allow_protection: bool) -> list[str]:
    props = args.props
    protection = get(props, "deletionProtection")
    problems: list[str] = []
    if (
        is_truthy(protection)
        and not allow_protection
        and args.resource_type not in MEMBER_INSTANCE_TYPES
    ):
        problems.append(
            f"{label(args)} sets deletion_protection=True; stacks must stay destroyable "
            "(set deletion_protection=False, or allowDeletionProtection in this stack's "
            "policy config)"
        )
    if args.resource_type == GLOBAL_CLUSTER:
        source = get(props, "sourceDbClusterIdentifier")
        if is_set(source) and not is_truthy(get(props, "forceDestroy")):
            # The provider documents force_destroy as required with a source cluster: without
            # it the destroy fails while the source cluster is still a member.
            problems.append(
                f"{label(args)} is created from source_db_cluster_identifier without "
                "force_destroy=True, so `pulumi destroy` cannot remove it; set force_destroy=True"
            )
    if args.resource_type not in SNAPSHOT_TYPES:
        return problems  # no final snapshot settings
    is_replica = args.resource_type == INSTANCE and get(props, "replicateSourceDb") not in (
        None,
        "",
    )
    skip = get(props, "skipFinalSnapshot")
    snapshot_id = get(props, "finalSnapshotIdentifier")
    if is_replica:
        if is_set(snapshot_id):
            problems.append(
                f"{label(args)} is a read replica (replicate_source_db) and sets "
                "final_snapshot_identifier; AWS takes no final snapshot of a replica, so remove it"
            )
        elif skip is not UNKNOWN and not is_truthy(skip):
            # The provider refuses to delete without a snapshot name when skip is false, and
            # AWS refuses a snapshot name for a replica: only skip_final_snapshot=True deletes.
            problems.append(
                f"{label(args)} is a read replica (replicate_source_db) without "
                "skip_final_snapshot=True; a replica can only be deleted with "
                "skip_final_snapshot=True"
            )
        return problems
    if allow_protection:
        # Without a snapshot name the resource fails either way, whatever skip turns out to be.
        if not is_set(snapshot_id) or (skip is not UNKNOWN and is_truthy(skip)):
            problems.append(
                f"{label(args)}: this stack allows deletion protection, so it must keep a final "
                "snapshot: set skip_final_snapshot=False and a final_snapshot_identifier"
            )
        return problems
    if skip is not UNKNOWN and not is_truthy(skip) and not is_set(snapshot_id):
        problems.append(
            f"{label(args)} would need a final snapshot to be deleted but names none: set "
            "skip_final_snapshot=True, or a final_snapshot_identifier"
        )
    return problems


def validate_destroyable(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report RDS instances/clusters that `pulumi destroy` could not delete."""
    if args.resource_type not in DESTROYABLE_TYPES:
        return
    allow_protection = is_truthy(config_value(args, "allowDeletionProtection", False))
    for problem in _option_problems(args) + _property_problems(args, allow_protection):
        report(problem, None)


def _protect_source(
    resource_urn: str, by_urn: dict[str, tuple[bool, str, str]]
) -> tuple[str, str] | None:
    """Where a resource's effective ``protect`` comes from: (urn, how) of the topmost resource
    up its parent chain (itself included) that sets it, or None when none does.

    A child that does not set ``protect`` takes its parent's (Pulumi's SDK copies it down when
    the child registers), so a database under a protected component is protected; the topmost
    protected ancestor is where the option was written.
    """
    chain: list[str] = []
    current = resource_urn
    while current and current in by_urn and current not in chain:
        chain.append(current)
        current = by_urn[current][1]
    protected = [urn for urn in chain if by_urn[urn][0]]
    if not protected:
        return None
    source = protected[-1]
    if source == resource_urn:
        return source, "set on the resource itself"
    return source, f"inherited from its parent {by_urn[source][2]} ({source})"


def validate_protect(args: StackValidationArgs, report: ReportViolation) -> None:
    """Report databases whose effective ``protect`` (own or inherited through the parent chain,
    as the engine applies it) would stop ``pulumi destroy``, naming where it was set."""
    if is_truthy(config_value(args, "allowProtect", False)):  # type: ignore[arg-type]
        return
    by_urn: dict[str, tuple[bool, str, str]] = {}
    for resource in args.resources:
        opts = resource.opts
        protect = bool(opts.protect) if opts is not None else False
        parent = resource.parent.urn if resource.parent is not None else ""
        by_urn[resource.urn] = (protect, parent, f"{resource.resource_type} '{resource.name}'")
    for resource in args.resources:
        if resource.resource_type not in DESTROYABLE_TYPES:
            continue
        found = _protect_source(resource.urn, by_urn)
        if found is None:
            continue
        _, how = found
        report(
            f"{resource.resource_type} '{resource.name}' is protected (protect=True, {how}); "
            "`pulumi destroy` stops on it: remove protect=True there, or set allowProtect in "
            f"this stack's policy config",
            resource.urn,
        )


def validate_not_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report RDS-API databases (instances, clusters, cluster members) that are public."""
    if args.resource_type not in PUBLIC_TYPES:
        return
    if is_truthy(get(args.props, "publiclyAccessible")):
        report(
            f"{label(args)} sets publicly_accessible=True; keep databases in private subnets "
            "with publicly_accessible=False and reach them through the VPC",
            None,
        )


def validate_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report RDS storage that is unencrypted or not encrypted with a customer managed key."""
    if args.resource_type not in RDS_TYPES:
        return
    props = args.props
    if args.resource_type == INSTANCE and get(props, "replicateSourceDb") not in (None, ""):
        return  # a replica inherits the source's encryption
    encrypted = get(props, "storageEncrypted")
    if encrypted is UNKNOWN:
        return
    if not is_truthy(encrypted) or get(props, "kmsKeyId") in (None, ""):
        report(
            f"{label(args)} must set storage_encrypted=True and kms_key_id to the stack's "
            "customer managed KMS key",
            None,
        )


destroyable = ResourceValidationPolicy(
    name="rds-destroyable",
    description=(
        "Databases on the RDS API (RDS, DocumentDB and Neptune instances, clusters, cluster "
        "instances, global clusters) must be destroyable: no deletion protection, a final "
        "snapshot skipped or named (a replica must skip it), force_destroy on a global cluster "
        "made from a source cluster, no ignore_changes on the deletion settings the type has."
    ),
    validate=validate_destroyable,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowDeletionProtection": {
                "type": "boolean",
                "default": False,
                "description": "Allow deletion protection; then a final snapshot is required.",
            },
        },
    ),
)

protect = StackValidationPolicy(
    name="rds-destroyable-protect",
    description=(
        "Databases on the RDS API must not be protected: the effective protect option, set on "
        "the database or inherited from a parent component, stops `pulumi destroy`; the "
        "finding names where it was set."
    ),
    validate=validate_protect,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowProtect": {
                "type": "boolean",
                "default": False,
                "description": (
                    "Allow protected databases (a stack that protects its stateful resources)."
                ),
            },
        },
    ),
)

not_public = ResourceValidationPolicy(
    name="rds-not-public",
    description=(
        "RDS-API databases (RDS instances and clusters, RDS, DocumentDB and Neptune cluster "
        "instances) must not be publicly accessible."
    ),
    validate=validate_not_public,
    enforcement_level=EnforcementLevel.MANDATORY,
)

encrypted_cmk = ResourceValidationPolicy(
    name="rds-encrypted-cmk",
    description="RDS storage must be encrypted with a customer managed KMS key.",
    validate=validate_encrypted,
    enforcement_level=EnforcementLevel.ADVISORY,
)
