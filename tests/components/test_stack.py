"""The whole program (``__main__.py``) for the dev and prod stack files, under Pulumi's mocks."""

from __future__ import annotations

import json

import pytest

from tests.components.support import (
    FUNCTION,
    stack_config,
    whole_stack,
    whole_stack_seconds,
)
from tools.pulumi_mocks import MockRun

OUTPUTS = {
    "apiUrl",
    "healthUrl",
    "apiKeyId",
    "dashboardName",
    "alertTopicArn",
    "dbEndpoint",
    "dbSecretArn",
    "metricsTableName",
    "vpcId",
    "keyArn",
}
COMPONENTS = {
    "cw-analytics:alerting:AlertingHub",
    "cw-analytics:network:MonitoredVpc",
    "cw-analytics:database:MonitoredDatabase",
    "cw-analytics:api:ApiWithHandler",
    "cw-analytics:metrics:MetricAggregator",
    "cw-analytics:monitoring:ServiceDashboard",
}
STACKS = ["dev", "prod"]
# Running the whole program under mocks takes ~1-3 s here; a regression to minutes is a bug.
MAX_SECONDS = 60


@pytest.mark.parametrize("stack", STACKS)
def test_stack_runs_under_mocks_quickly(stack: str) -> None:
    run = whole_stack(stack)
    elapsed = whole_stack_seconds(stack)
    assert run.resources, f"{stack}: nothing registered"
    assert elapsed < MAX_SECONDS, f"{stack}: the program took {elapsed:.1f} s under mocks"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_exports_the_ten_outputs(stack: str) -> None:
    outputs = whole_stack(stack).outputs
    assert set(outputs) == OUTPUTS, f"{stack} exports {sorted(outputs)}"
    empty = [key for key, value in outputs.items() if not value]
    assert not empty, f"{stack}: empty outputs {empty}"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs_come_from_the_resources(stack: str) -> None:
    run = whole_stack(stack)
    stage = run.one("aws:apigateway/stage:Stage")
    assert run.outputs["apiUrl"] == stage.outputs["invokeUrl"]
    assert run.outputs["healthUrl"] == stage.outputs["invokeUrl"] + "/health"
    assert run.outputs["apiKeyId"] == run.one("aws:apigateway/apiKey:ApiKey").outputs["id"]
    assert run.outputs["metricsTableName"] == f"cw-analytics-{stack}-metrics"
    assert run.outputs["keyArn"] == run.one("aws:kms/key:Key").outputs["arn"]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_has_the_five_components_and_declares_nothing_itself(stack: str) -> None:
    run = whole_stack(stack)
    components = {r.type for r in run.resources if not r.custom and ":" in r.type}
    assert components >= COMPONENTS, f"{stack} lacks {COMPONENTS - components}"
    root = run.one("pulumi:pulumi:Stack").urn
    direct = [
        r.type for r in run.children_of(root) if r.custom and r.type != "pulumi:providers:aws"
    ]
    assert not direct, f"__main__.py declares {direct} outside the components"


def test_stack_prod_database_is_protected_multi_az_with_final_snapshot() -> None:
    db = whole_stack("prod").one("aws:rds/instance:Instance").inputs
    assert db["deletionProtection"] is True, "prod database can be deleted"
    assert db["skipFinalSnapshot"] is False, "prod database skips its final snapshot"
    assert str(db.get("finalSnapshotIdentifier", "")).startswith("cw-analytics-prod-db-final-")
    assert db["multiAz"] is True, "prod database is single-AZ"


@pytest.mark.parametrize(("stack", "immediately"), [("dev", True), ("prod", False)])
def test_stack_database_apply_immediately_follows_the_stack(stack: str, immediately: bool) -> None:
    db = whole_stack(stack).one("aws:rds/instance:Instance")
    assert db.inputs["applyImmediately"] is immediately, f"{stack}: {db.urn}"


def test_stack_dev_database_is_destroyable() -> None:
    db = whole_stack("dev").one("aws:rds/instance:Instance").inputs
    assert db["skipFinalSnapshot"] is True, "dev database would block destroy"
    assert not db.get("deletionProtection"), "dev database is deletion-protected"


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_stack_metrics_table_protection_follows_the_stack(stack: str, protected: bool) -> None:
    table = whole_stack(stack).one("aws:dynamodb/table:Table")
    assert table.inputs["deletionProtectionEnabled"] is protected, stack


@pytest.mark.parametrize("stack", STACKS)
def test_stack_api_handler_uses_the_networks_private_subnets_and_lambda_sg(stack: str) -> None:
    """The API Lambda runs in the private subnets with the Lambda
    security group of the stack's network."""
    run = whole_stack(stack)
    subnets = {
        s.inputs["tags"]["Name"]: s.outputs["id"] for s in run.of_type("aws:ec2/subnet:Subnet")
    }
    private = sorted(v for k, v in subnets.items() if "-private-" in k)
    groups = {
        g.inputs["name"]: g.outputs["id"]
        for g in run.of_type("aws:ec2/securityGroup:SecurityGroup")
    }
    handler = run.one(FUNCTION, "api-handler").inputs["vpcConfig"]
    assert sorted(handler["subnetIds"]) == private and len(private) == 2, handler
    assert handler["securityGroupIds"] == [groups[f"cw-analytics-{stack}-lambda-sg"]]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_aggregator_watches_the_stacks_own_resources(stack: str) -> None:
    run: MockRun = whole_stack(stack)
    env = run.one(FUNCTION, "metrics-aggregator").inputs["environment"]["variables"]
    sources = json.loads(env["METRIC_SOURCES"])
    assert sources["api"] == {
        "name": run.one("aws:apigateway/restApi:RestApi").inputs["name"],
        "stage": run.one("aws:apigateway/stage:Stage").inputs["stageName"],
    }
    assert set(sources["functions"]) == {f.inputs["name"] for f in run.of_type(FUNCTION)}
    assert sources["db"] == run.one("aws:rds/instance:Instance").outputs["identifier"]
    assert sources["table"] == run.one("aws:dynamodb/table:Table").inputs["name"]


@pytest.mark.parametrize(("stack", "expected"), [("dev", -1), ("prod", 50)])
def test_stack_api_reserved_concurrency_follows_config(stack: str, expected: int) -> None:
    handler = whole_stack(stack).one(FUNCTION, "api-handler")
    assert handler.inputs["reservedConcurrentExecutions"] == expected
    assert stack_config(stack).get("cw-analytics:environmentSuffix") == stack
