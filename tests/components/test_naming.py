"""Physical names: every one carries the stack's suffix, and two stacks never collide.

The whole program runs under mocks for two suffixes, so a resource any component adds is
checked too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from components.lib.naming import API_EXECUTION_LOG_GROUP_PREFIX, NAME_RULES, Naming
from tests.components.support import REPO_ROOT, stack_config
from tests.harness import MockRun, RecordedResource
from tools.pulumi_mocks import run_program_in_mocks

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


def test_naming_pattern() -> None:
    """Names are {project}-{suffix}-{type} with project 'cw-analytics'."""
    naming = Naming("cw-analytics", "dev")
    assert naming.name("db") == "cw-analytics-dev-db"
    assert naming.base == "cw-analytics-dev"
    assert naming.metrics_namespace == "cw-analytics/dev"
    assert naming.full_name("flow-logs") == "/aws/vpc/cw-analytics-dev-flow-logs"
    assert naming.lambda_log_group("aggregator") == "/aws/lambda/cw-analytics-dev-aggregator"
    assert naming.rds_log_group("postgresql") == "/aws/rds/instance/cw-analytics-dev-db/postgresql"
    assert naming.alarm("db-cpu") == "cw-analytics-dev-db-cpu"


def test_naming_rejects_unregistered_type() -> None:
    """A name the length check does not know cannot be made."""
    with pytest.raises(KeyError, match="'nat-gateway' is not registered"):
        Naming("cw-analytics", "dev").name("nat-gateway")


def test_naming_rejects_unknown_rds_export() -> None:
    with pytest.raises(KeyError, match="'audit'"):
        Naming("cw-analytics", "dev").rds_log_group("audit")


def test_naming_alarm_name_limit() -> None:
    with pytest.raises(ValueError, match="longer than 255"):
        Naming("cw-analytics", "dev").alarm("x" * 240)


def test_naming_too_long_names_each_resource() -> None:
    """The check reports each name over its own limit."""
    problems = Naming("cw-analytics", "a" * 48).too_long()
    assert any(p.startswith("RDS instance identifier") for p in problems), problems
    assert any(p.startswith("IAM role") for p in problems), problems
    assert any(p.startswith("Lambda function") for p in problems), problems


def test_naming_too_long_counts_the_prefix() -> None:
    """Log group names count their /aws/... prefix against the limit."""
    rule = NAME_RULES["flow-logs"]
    suffix = "a" * (rule.limit - len(rule.prefix) - len("cw-analytics--flow-logs") + 1)
    problems = Naming("cw-analytics", suffix).too_long()
    assert any("/aws/vpc/" in p and "CloudWatch log group" in p for p in problems), problems


def test_naming_tags() -> None:
    assert Naming("cw-analytics", "dev").tags() == {
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
