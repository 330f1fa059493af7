"""Physical names: every one carries the stack's suffix, and two stacks never collide.

The whole program runs under mocks for two suffixes, so a resource any component adds is
checked too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from components.database.instance import NAMES as DB_NAMES
from components.lib.args import InvalidArgsError
from components.lib.naming import (
    API_EXECUTION_LOG_GROUP_PREFIX,
    default_tags,
    hub_serves,
    instance_naming,
)
from components.network.vpc import NAMES as VPC_NAMES
from tests.components.support import REPO_ROOT, stack_config
from tools.pulumi_mocks import MockRun, RecordedResource, run_program_in_mocks

# Input keys whose value is a name AWS stores (and that must be unique per account/region).
PHYSICAL_NAME_KEYS = (
    "name",
    "identifier",
    "dashboardName",
    "alarmName",
    "roleName",
    "functionName",
    "finalSnapshotIdentifier",
    "tableName",
    "queueName",
    "bucket",
    "apiName",
    "policyName",
)
# Custom resources that carry no name of their own (rules, associations, versions, ...).
NAMELESS_TYPES = {
    "aws:kms/key:Key",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "random:index/randomPassword:RandomPassword",
    "random:index/randomId:RandomId",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:lambda/permission:Permission",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:cloudwatch/eventTarget:EventTarget",
    # API Gateway parts live inside the named REST API (the stage name "v1" is per API).
    "aws:apigateway/resource:Resource",
    "aws:apigateway/method:Method",
    "aws:apigateway/integration:Integration",
    "aws:apigateway/deployment:Deployment",
    "aws:apigateway/stage:Stage",
    "aws:apigateway/methodSettings:MethodSettings",
    "aws:apigateway/usagePlanKey:UsagePlanKey",
    # One per account and region; it points at the named CloudWatch role.
    "aws:apigateway/account:Account",
    "pulumi:providers:aws",
}


def whole_program(suffix: str) -> MockRun:
    """The real program (``__main__.py``) with the dev config and another suffix."""
    config = {**stack_config("dev"), "cw-analytics:environmentSuffix": suffix}
    return run_program_in_mocks(REPO_ROOT, config=config, project="cw-analytics", stack=suffix)


def aws_dictated(name: str) -> bool:
    """Names AWS chooses itself, unique per stack through an id AWS generates."""
    return name.startswith(API_EXECUTION_LOG_GROUP_PREFIX)


def physical_names(resource: RecordedResource) -> list[str]:
    """Every physical name a resource's inputs carry: name-like keys and the Name tag."""
    inputs: dict[str, Any] = resource.inputs
    found = [str(inputs[k]) for k in PHYSICAL_NAME_KEYS if isinstance(inputs.get(k), str)]
    tags = inputs.get("tags") or {}
    if isinstance(tags.get("Name"), str):
        found.append(tags["Name"])
    return found


def all_names(run: MockRun) -> dict[str, list[str]]:
    return {r.urn: physical_names(r) for r in run.resources if r.custom}


@pytest.fixture(scope="module")
def stacks() -> dict[str, MockRun]:
    return {suffix: whole_program(suffix) for suffix in ("alpha", "qa-7")}


@pytest.mark.parametrize("suffix", ["alpha", "qa-7"])
def test_naming_every_physical_name_carries_the_suffix(
    stacks: dict[str, MockRun], suffix: str
) -> None:
    """Every physical name contains -{suffix}-, for two suffixes."""
    for urn, names in all_names(stacks[suffix]).items():
        for name in filter(lambda n: not aws_dictated(n), names):
            assert f"cw-analytics-{suffix}-" in name, f"{urn} has name {name!r} without the suffix"


@pytest.mark.parametrize("suffix", ["alpha", "qa-7"])
def test_naming_every_named_type_is_checked(stacks: dict[str, MockRun], suffix: str) -> None:
    """A resource with a name key this test does not know fails."""
    for urn, names in all_names(stacks[suffix]).items():
        resource_type = urn.rsplit("$", 1)[-1].split("::")[0]
        if resource_type not in NAMELESS_TYPES:
            assert names, f"{urn} has no recognised physical name; add its key or type here"


def test_naming_two_stacks_do_not_collide(stacks: dict[str, MockRun]) -> None:
    """Two stacks in one account produce disjoint physical names."""
    first = {n for names in all_names(stacks["alpha"]).values() for n in names}
    second = {n for names in all_names(stacks["qa-7"]).values() for n in names}
    assert first and second
    assert first.isdisjoint(second), sorted(first & second)


def test_naming_names_are_unique_within_a_stack(stacks: dict[str, MockRun]) -> None:
    """No two resources of one type share a physical name."""
    seen: dict[tuple[str, str], str] = {}
    for resource in stacks["alpha"].resources:
        for name in set(physical_names(resource)):
            key = (resource.type, name)
            assert key not in seen, f"{resource.urn} reuses {name!r} of {seen.get(key)}"
            seen[key] = resource.urn


def test_naming_derives_names_from_prefix_and_instance() -> None:
    """Names are {prefix}-{instance}-{suffix}; the instance part defaults to the resource name."""
    naming = instance_naming(
        "MonitoredDatabase", "orders", name_prefix="acme-prod", instance_name=None, rules=DB_NAMES
    )
    assert naming.base == "acme-prod-orders"
    assert naming.name("db") == "acme-prod-orders-db"
    assert naming.metrics_namespace == "acme-prod-orders"
    assert naming.rds_log_group("postgresql") == "/aws/rds/instance/acme-prod-orders-db/postgresql"
    assert naming.alarm("db-cpu") == "acme-prod-orders-db-cpu"


def test_naming_empty_instance_part_keeps_the_prefix_alone() -> None:
    """This program's names: one instance per prefix, no instance part."""
    naming = instance_naming(
        "MonitoredVpc", "network", name_prefix="cw-analytics-dev", instance_name="", rules=VPC_NAMES
    )
    assert naming.full_name("flow-logs") == "/aws/vpc/cw-analytics-dev-flow-logs"


def test_naming_rejects_undeclared_suffix() -> None:
    """A name the length check does not know cannot be made."""
    naming = instance_naming("X", "x", name_prefix="p", instance_name=None, rules=DB_NAMES)
    with pytest.raises(KeyError, match="'nat-gateway' is not declared"):
        naming.name("nat-gateway")


def test_naming_rejects_unknown_rds_export() -> None:
    naming = instance_naming("X", "x", name_prefix="p", instance_name=None, rules=DB_NAMES)
    with pytest.raises(KeyError, match="'audit'"):
        naming.rds_log_group("audit")


def test_naming_alarm_name_limit() -> None:
    naming = instance_naming("X", "x", name_prefix="p", instance_name=None, rules=DB_NAMES)
    with pytest.raises(ValueError, match="longer than 255"):
        naming.alarm("x" * 260)


def test_naming_too_long_names_component_field_and_limit() -> None:
    """A derived RDS identifier over 63 characters fails before any resource, naming why."""
    with pytest.raises(InvalidArgsError) as raised:
        instance_naming(
            "MonitoredDatabase", "db", name_prefix="a" * 60, instance_name=None, rules=DB_NAMES
        )
    message = str(raised.value)
    assert "MonitoredDatabase 'db'" in message and "name_prefix" in message, message
    assert "RDS instance identifier" in message and "(limit 63)" in message, message


def test_naming_too_long_counts_the_log_group_path() -> None:
    """Log group names count their /aws/... prefix against the limit."""
    rule = VPC_NAMES["flow-logs"]
    part = "a" * (rule.limit - len(rule.prefix) - len("p--flow-logs") + 1)
    with pytest.raises(
        InvalidArgsError, match=r"CloudWatch log group name '/aws/vpc/p-a+-flow-logs'"
    ):
        instance_naming(
            "MonitoredVpc",
            "n",
            name_prefix="p",
            instance_name=part,
            rules=VPC_NAMES,
            metrics_namespace="ns",
        )


@pytest.mark.parametrize(
    ("field", "prefix", "instance"),
    [
        ("name_prefix", "Acme_Prod", None),
        ("instance_name", "p", "orders-"),
        ("name_prefix", "1a", ""),
    ],
)
def test_naming_rejects_name_parts_rds_refuses(
    field: str, prefix: str, instance: str | None
) -> None:
    with pytest.raises(InvalidArgsError, match=f"MonitoredDatabase 'db': {field}"):
        instance_naming(
            "MonitoredDatabase", "db", name_prefix=prefix, instance_name=instance, rules=DB_NAMES
        )


def test_naming_hub_serves_prefix_and_its_extensions_only() -> None:
    assert hub_serves(["cw-analytics-dev"], "cw-analytics-dev")
    assert hub_serves(["cw-analytics-dev"], "cw-analytics-dev-orders")
    assert not hub_serves(["cw-analytics-dev"], "cw-analytics-devx")
    assert not hub_serves(["cw-analytics-dev"], "cw-analytics")


def test_naming_tags() -> None:
    assert default_tags("cw-analytics", "dev") == {
        "Project": "cw-analytics",
        "Environment": "dev",
        "ManagedBy": "pulumi",
    }


def _types(resources: Iterable[RecordedResource]) -> set[str]:
    return {r.type for r in resources}


def test_naming_composition_is_self_contained(stacks: dict[str, MockRun]) -> None:
    """Network and database exist in the stack, not as variables."""
    types = _types(stacks["alpha"].resources)
    for needed in (
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:rds/instance:Instance",
        "aws:sns/topic:Topic",
        "aws:cloudwatch/dashboard:Dashboard",
    ):
        assert needed in types, f"the composition declares no {needed}"
