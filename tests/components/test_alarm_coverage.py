"""Every monitorable resource of the dev stack has an alarm; every alarm reaches the hub topic.

The resources come from the recorded stack (``__main__.py`` run under mocks with the config of
``Pulumi.dev.yaml``), never from a list written here: a new function, queue, table, rule, stage
or database without an alarm fails, and so does a resource type this test has not classified.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.components.support import (
    ALARM,
    COMPOSITE,
    alarm_metrics,
    unresolved_metric,
    whole_stack,
)
from tools.pulumi_mocks import MockRun, RecordedResource

Dimensions = dict[str, str]


def _stage_dimensions(run: MockRun, stage: RecordedResource) -> Dimensions:
    apis = [
        a
        for a in run.of_type("aws:apigateway/restApi:RestApi")
        if a.outputs.get("id") == stage.inputs["restApi"]
    ]
    assert len(apis) == 1, f"stage {stage.name} belongs to no REST API of the stack"
    return {"ApiName": apis[0].inputs["name"], "Stage": stage.inputs["stageName"]}


# Types that publish CloudWatch metrics worth an alarm, and the dimensions naming one resource.
MONITORED: dict[str, Callable[[MockRun, RecordedResource], Dimensions]] = {
    "aws:lambda/function:Function": lambda run, r: {"FunctionName": r.inputs["name"]},
    "aws:apigateway/stage:Stage": _stage_dimensions,
    "aws:rds/instance:Instance": lambda run, r: {"DBInstanceIdentifier": r.inputs["identifier"]},
    "aws:dynamodb/table:Table": lambda run, r: {"TableName": r.inputs["name"]},
    "aws:sqs/queue:Queue": lambda run, r: {"QueueName": r.inputs["name"]},
    "aws:cloudwatch/eventRule:EventRule": lambda run, r: {"RuleName": r.inputs["name"]},
}
# Types that need no alarm of their own: configuration, wiring, or monitored through another
# resource (the VPC through its flow-log metric filter, the key and secret through the
# services that use them). A type in neither map fails the test until someone decides.
NOT_MONITORED = frozenset(
    {
        "pulumi:providers:aws",
        "random:index/randomId:RandomId",
        "random:index/randomPassword:RandomPassword",
        "aws:apigateway/account:Account",
        "aws:apigateway/apiKey:ApiKey",
        "aws:apigateway/deployment:Deployment",
        "aws:apigateway/integration:Integration",
        "aws:apigateway/method:Method",
        "aws:apigateway/methodSettings:MethodSettings",
        "aws:apigateway/resource:Resource",
        "aws:apigateway/restApi:RestApi",  # through its stage
        "aws:apigateway/usagePlan:UsagePlan",
        "aws:apigateway/usagePlanKey:UsagePlanKey",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        "aws:cloudwatch/dashboard:Dashboard",
        "aws:cloudwatch/eventTarget:EventTarget",  # through its rule's FailedInvocations
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/flowLog:FlowLog",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",  # through the rejected-packets metric filter
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:kms/alias:Alias",
        "aws:kms/key:Key",
        "aws:lambda/permission:Permission",
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:sns/topic:Topic",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    }
)


@pytest.fixture(scope="module")
def run() -> MockRun:
    return whole_stack("dev")


def _covers(alarm: RecordedResource, wanted: Dimensions) -> bool:
    return any(
        all(dims.get(k) == v for k, v in wanted.items()) for _, _, dims in alarm_metrics(alarm)
    )


def test_alarm_coverage_every_resource_type_is_classified(run: MockRun) -> None:
    custom = {r.type for r in run.resources if r.custom}
    unknown = custom - set(MONITORED) - NOT_MONITORED
    assert not unknown, (
        f"resource types {sorted(unknown)} are neither monitored nor exempt: give them alarms "
        "and add them to MONITORED, or explain in NOT_MONITORED why they need none"
    )


def test_alarm_coverage_every_monitorable_resource_has_an_alarm(run: MockRun) -> None:
    alarms = run.of_type(ALARM)
    monitored = [r for r in run.resources if r.type in MONITORED]
    assert {r.type for r in monitored} == set(MONITORED), "the stack lost a monitored type"
    missing = []
    for resource in monitored:
        wanted = MONITORED[resource.type](run, resource)
        if not any(_covers(alarm, wanted) for alarm in alarms):
            missing.append(f"{resource.type} {resource.name} {wanted}")
    assert not missing, f"resources without an alarm: {missing}"


def test_alarm_coverage_every_alarm_watches_something_of_this_stack(run: MockRun) -> None:
    problems = [
        f"{alarm.name}: {why}"
        for alarm in run.of_type(ALARM)
        for namespace, metric, dims in alarm_metrics(alarm)
        if (why := unresolved_metric(run, namespace, metric, dims))
    ]
    assert not problems, problems


@pytest.mark.parametrize("alarm_type", [ALARM, COMPOSITE])
def test_alarm_coverage_every_alarm_notifies_the_hub_on_alarm_and_ok(
    run: MockRun, alarm_type: str
) -> None:
    topic = run.one("aws:sns/topic:Topic").outputs["arn"]
    alarms = run.of_type(alarm_type)
    assert alarms, f"the dev stack has no {alarm_type}"
    for alarm in alarms:
        assert alarm.inputs.get("alarmActions") == [topic], f"{alarm.urn} alarm actions"
        assert alarm.inputs.get("okActions") == [topic], f"{alarm.urn} OK actions"


def test_alarm_coverage_service_health_pages_on_the_critical_alarms(run: MockRun) -> None:
    rule = run.one(COMPOSITE).inputs["alarmRule"]
    critical = {
        "api-5xx-rate",
        "api-handler-errors",
        "aggregator-heartbeat",
        "aggregator-dlq-not-empty",
    }
    for slug in critical:
        assert f'ALARM("cw-analytics-dev-{slug}")' in rule, f"{slug} does not page: {rule}"
