"""physical-name-unique: no two resources of a stack claim a physical name AWS keeps unique.

Which input holds each type's physical name comes from the provider SDK itself
(``data/physical_names.json``, derived from pulumi_aws by ``python -m tools.physical_names``);
this module says within what AWS keeps that name unique, from AWS's documentation:

- IAM names are unique in the account across every region, and IAM compares them without case
  (IAM User Guide, "IAM identifiers"); a CloudWatch dashboard's ARN carries no region, so its name
  is account-wide; S3 bucket names are unique across the whole partition (S3 User Guide, "Bucket
  naming rules");
- a few names live inside another resource: a security group's name within its VPC (EC2
  CreateSecurityGroup), an inline policy's within its role, user or group, a Lambda permission's
  statement id within its function (and qualifier), an EventBridge rule's name within its bus and
  a target's id within its rule, a metric filter's name within its log group, a stage's name
  within its REST API;
- RDS, DocumentDB and Neptune share one namespace per region for instance identifiers, and
  another for cluster identifiers (all three are the RDS API), stored in lower case;
- everything else is unique per account and region.

A name the program does not set (the provider generates one from a prefix), or does not know yet
at preview, cannot collide and is skipped; so is a container it does not know yet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .common import UNKNOWN, get

_DATA_FILE = Path(__file__).resolve().parent / "data" / "physical_names.json"

_CONTAINERS: dict[str, tuple[tuple[str, str | None], ...]] = {
    # type -> the inputs naming the container, each with the value AWS assumes when it is unset
    "aws:ec2/securityGroup:SecurityGroup": (("vpcId", "the default VPC"),),
    "aws:iam/rolePolicy:RolePolicy": (("role", None),),
    "aws:iam/userPolicy:UserPolicy": (("user", None),),
    "aws:iam/groupPolicy:GroupPolicy": (("group", None),),
    "aws:lambda/permission:Permission": (("function", None), ("qualifier", "")),
    "aws:cloudwatch/eventRule:EventRule": (("eventBusName", "default"),),
    "aws:cloudwatch/eventTarget:EventTarget": (("rule", None), ("eventBusName", "default")),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": (("logGroupName", None),),
    "aws:apigateway/stage:Stage": (("restApi", None),),
}
_ACCOUNT_WIDE_SERVICES = frozenset({"iam"})
_ACCOUNT_WIDE_TYPES = frozenset({"aws:cloudwatch/dashboard:Dashboard"})
_PARTITION_WIDE_TYPES = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
_SHARED_NAMESPACES = {
    **dict.fromkeys(
        (
            "aws:rds/instance:Instance",
            "aws:rds/clusterInstance:ClusterInstance",
            "aws:docdb/clusterInstance:ClusterInstance",
            "aws:neptune/clusterInstance:ClusterInstance",
        ),
        "DB instance identifier",
    ),
    **dict.fromkeys(
        ("aws:rds/cluster:Cluster", "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster"),
        "DB cluster identifier",
    ),
    **dict.fromkeys(
        (
            "aws:rds/globalCluster:GlobalCluster",
            "aws:docdb/globalCluster:GlobalCluster",
            "aws:neptune/globalCluster:GlobalCluster",
        ),
        "global cluster identifier",
    ),
}
_CASE_INSENSITIVE_SERVICES = frozenset({"iam", "rds", "docdb", "neptune", "elasticache"})


@cache
def name_inputs() -> Mapping[str, str]:
    """Type token -> the input holding its physical name (camelCase), as derived from pulumi_aws."""
    document = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    inputs: dict[str, str] = document["nameInputs"]
    return inputs


@dataclass(frozen=True)
class Claim:
    """One resource's claim on a physical name within its scope."""

    resource: PolicyResource
    name: str
    namespace: str
    scope: tuple[str, ...]
    where: str
    """The scope in words: ``in account and region eu-west-1``, ``in VPC vpc-1``."""


def claim_of(resource: PolicyResource) -> Claim | None:
    """The name a resource claims and where AWS keeps it unique; None when it claims none
    (no physical name, a generated one, or one not known at preview)."""
    type_token = resource.resource_type
    key = name_inputs().get(type_token)
    if key is None:
        return None
    name = get(resource.props, key)
    if not isinstance(name, str) or not name:
        return None
    service = type_token.split(":")[1].split("/")[0]
    folded = name.lower() if service in _CASE_INSENSITIVE_SERVICES else name
    account = _account(resource)
    if type_token in _PARTITION_WIDE_TYPES:
        scope: tuple[str, ...] = ()
        where = "across every AWS account"
    elif service in _ACCOUNT_WIDE_SERVICES or type_token in _ACCOUNT_WIDE_TYPES:
        scope, where = (account,), "in the account, across regions"
    else:
        region = _region(resource)
        scope, where = (account, region), f"in the account's region {region or '(default)'}"
    for container_key, default in _CONTAINERS.get(type_token, ()):
        container = _container(resource, container_key, default)
        if container is None:
            return None
        scope += (container,)
        where += f", {container_key} {container}"
    namespace = _SHARED_NAMESPACES.get(type_token, type_token)
    return Claim(resource, folded, namespace, scope, where)


def validate_unique_physical_names(args: StackValidationArgs, report: ReportViolation) -> None:
    """Report every group of resources claiming one physical name in one scope, naming all."""
    groups: dict[tuple[str, tuple[str, ...], str], list[Claim]] = {}
    for resource in args.resources:
        claim = claim_of(resource)
        if claim is not None:
            groups.setdefault((claim.namespace, claim.scope, claim.name), []).append(claim)
    for claims in groups.values():
        if len(claims) < 2:  # noqa: PLR2004
            continue
        first = claims[0]
        names = " and ".join(
            f"{c.resource.resource_type} '{c.resource.name}' ({c.resource.urn})" for c in claims
        )
        for claim in claims[1:]:
            report(
                f"{len(claims)} resources claim the physical name '{claim.name}' "
                f"{first.where}: {names}. AWS keeps these names unique there, so creating the "
                "second fails (or it takes over the first); derive each name from its "
                "component's name or give one another prefix.",
                claim.resource.urn,
            )


def _region(resource: PolicyResource) -> str:
    """The resource's own ``region`` input (pulumi-aws 7), else its provider's, else ''."""
    own = get(resource.props, "region")
    if isinstance(own, str) and own:
        return own
    provider = resource.provider
    if provider is not None:
        region = get(provider.props, "region")
        if isinstance(region, str):
            return region
    return ""


def _account(resource: PolicyResource) -> str:
    """What tells the provider's account apart: the role it assumes, its profile or allowed
    accounts ('' for the stack's default credentials)."""
    provider = resource.provider
    if provider is None:
        return ""
    parts = [
        _plain(get(provider.props, key))
        for key in ("assumeRoles", "assumeRole", "profile", "allowedAccountIds")
    ]
    return "|".join(part for part in parts if part)


def _container(resource: PolicyResource, key: str, default: str | None) -> str | None:
    """The container's value; the URNs its input depends on when the value is not known yet;
    the AWS default when unset; None when nothing tells which container it is."""
    value = get(resource.props, key)
    if isinstance(value, str) and value:
        return value
    depends_on = sorted(dep.urn for dep in resource.property_dependencies.get(key, []))
    if depends_on:
        return "output of " + ", ".join(depends_on)
    if value is UNKNOWN:
        return None
    return default


def _plain(value: Any) -> str:
    if value is None or value is UNKNOWN:
        return ""
    if isinstance(value, Mapping):
        return json.dumps({k: _plain(v) for k, v in value.items()}, sort_keys=True)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return json.dumps([_plain(item) for item in value])
    return str(value)


unique_physical_names = StackValidationPolicy(
    name="physical-name-unique",
    description="No two resources claim one physical name within the scope where AWS keeps "
    "that type's names unique (IAM per account, security groups per VPC, most per region).",
    validate=validate_unique_physical_names,
    enforcement_level=EnforcementLevel.MANDATORY,
)
