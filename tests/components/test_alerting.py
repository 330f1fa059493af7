"""AlertingHub: the key and its policy, the encrypted topic and its subscriptions."""

from __future__ import annotations

import fnmatch
from typing import Any

import pulumi
import pytest

from components.alerting import AlertingHub
from components.lib.alarms import (
    AlarmSpec,
    Comparison,
    Metric,
    MissingData,
    Severity,
    Unit,
    render_alarms,
)
from stack_args import hub_args
from stack_settings import Settings
from tests.harness import REGION, as_list, run_components, statements
from tools.pulumi_mocks import ACCOUNT_ID, MockRun

KEY = "aws:kms/key:Key"
TOPIC = "aws:sns/topic:Topic"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EMAILS = '["oncall@example.com", "sre@example.com"]'


def _spec(slug: str, severity: Severity) -> AlarmSpec:
    return AlarmSpec(
        key=slug,
        slug=slug,
        subject="Example",
        signal=Metric("AWS/Lambda", "Errors"),
        statistic="Sum",
        period_seconds=300,
        evaluation_periods=1,
        comparison=Comparison.GREATER,
        threshold=1,
        unit=Unit.COUNT,
        missing_data=MissingData.NOT_BREACHING,
        severity=severity,
        meaning="an example alarm wired to the hub's topic.",
    )


def build_hub(settings: Settings) -> None:
    """A hub and two alarms wired to its topic, as every component wires its own."""
    hub = AlertingHub("alerting", hub_args(settings))
    pulumi.export("topicArn", hub.topic_arn)
    render_alarms(
        "alarm",
        [_spec("paging", Severity.PAGE), _spec("context", Severity.TICKET)],
        name_prefix=settings.name_prefix,
        topic_arn=hub.topic_arn,
        parent=hub,
    )


@pytest.fixture(scope="module")
def run() -> MockRun:
    return run_components(build_hub, alarmEmails=EMAILS)


def key_statements(run: MockRun) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements(run.one(KEY).inputs["policy"])}


def test_alerting_key_rotation_on(run: MockRun) -> None:
    """The customer-managed key rotates."""
    key = run.one(KEY)
    assert key.inputs["enableKeyRotation"] is True, f"{key.urn} does not rotate"


def test_alerting_key_policy_has_no_public_principal(run: MockRun) -> None:
    """No statement grants to Principal '*'."""
    for statement in key_statements(run).values():
        principal = statement["Principal"]
        assert principal != "*" and "*" not in as_list(principal.get("AWS")), statement


def test_alerting_key_policy_conditions_every_service_grant(run: MockRun) -> None:
    """Each grant beyond the account's own administration has a
    condition limiting it."""
    for sid, statement in key_statements(run).items():
        if sid == "AccountAdministersKey":
            assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
            continue
        assert statement.get("Condition"), f"key policy statement {sid} has no condition"


def test_alerting_key_policy_logs_admits_the_served_prefix_only(run: MockRun) -> None:
    """CloudWatch Logs may use the key for log groups named with the served prefix, bare or
    under an AWS service path, and for no other group of the account."""
    statement = key_statements(run)["CloudWatchLogsEncryptsServedLogGroups"]
    assert statement["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    patterns = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]

    def admitted(name: str) -> bool:
        arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}"
        return any(fnmatch.fnmatchcase(arn, pattern) for pattern in as_list(patterns))

    for served in (
        "/aws/lambda/cw-analytics-test-api-handler",
        "/aws/vpc/cw-analytics-test-flow-logs",
        "/aws/rds/instance/cw-analytics-test-db/postgresql",
        "/aws/apigateway/cw-analytics-test-api-access-logs",
        "cw-analytics-test-audit",
    ):
        assert admitted(served), f"the key refuses {served}"
    for foreign in (
        "/aws/lambda/cw-analytics-prod-api-handler",
        "/aws/lambda/cw-analytics-testing-api-handler",
        "/aws/lambda/other-team-handler",
        # Another service's groups under this stack's prefix: a /aws/*/ pattern would admit it.
        "/aws/codebuild/cw-analytics-test-build",
        "cw-analytics-test",
    ):
        assert not admitted(foreign), f"the key admits {foreign}"


def test_alerting_key_policy_delegates_to_iam_once(run: MockRun) -> None:
    """The account statement is the only one naming an AWS
    principal; every other statement names a service. (Conditional statements for the account
    root would grant nothing the unconditional one does not, and only look like a limit.)"""
    by_principal = {
        sid: next(iter(statement["Principal"])) for sid, statement in key_statements(run).items()
    }
    assert [sid for sid, kind in by_principal.items() if kind != "Service"] == [
        "AccountAdministersKey"
    ], by_principal


@pytest.mark.parametrize(
    ("sid", "service"),
    [
        ("CloudWatchAlarmsPublishToEncryptedTopic", "cloudwatch"),
        ("EventBridgeWritesEncryptedDeadLetterQueue", "events"),
    ],
)
def test_alerting_key_policy_source_conditions(run: MockRun, sid: str, service: str) -> None:
    """CloudWatch and EventBridge are confined to this stack."""
    statement = key_statements(run)[sid]
    assert statement["Principal"] == {"Service": f"{service}.amazonaws.com"}
    condition = statement["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    [source_arn] = condition["ArnLike"]["aws:SourceArn"]
    assert source_arn.startswith(f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:")
    assert source_arn.endswith(":cw-analytics-test-*") or source_arn.endswith(
        "/cw-analytics-test-*"
    ), source_arn


def test_alerting_key_alias(run: MockRun) -> None:
    alias = run.one("aws:kms/alias:Alias")
    assert alias.inputs["name"] == "alias/cw-analytics-test-key"
    assert run.one(KEY).urn in alias.options.property_dependencies["targetKeyId"]


def test_alerting_topic_encrypted_with_the_key(run: MockRun) -> None:
    """The alert topic is encrypted with the stack's key."""
    topic = run.one(TOPIC)
    assert topic.inputs["name"] == "cw-analytics-test-alerts"
    assert topic.inputs["kmsMasterKeyId"] == run.one(KEY).outputs["arn"], topic.urn


def test_alerting_topic_policy_only_cloudwatch_of_this_account(run: MockRun) -> None:
    """Only CloudWatch alarms of this account publish."""
    policy = run.one("aws:sns/topicPolicy:TopicPolicy")
    topic_arn = run.one(TOPIC).outputs["arn"]
    assert policy.inputs["arn"] == topic_arn
    [statement] = statements(policy.inputs["policy"])
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == topic_arn
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID


def test_alerting_topic_policy_only_this_stacks_alarms(run: MockRun) -> None:
    """Another stack's alarms in the same account cannot publish."""
    [statement] = statements(run.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    [source] = statement["Condition"]["ArnLike"]["aws:SourceArn"]
    assert source == f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:cw-analytics-test-*"
    alarms = run.of_type(ALARM)
    assert alarms, "the test stack has no alarm to check"
    for alarm in alarms:
        assert fnmatch.fnmatchcase(alarm.outputs["arn"], source), f"{alarm.urn} cannot publish"


def test_alerting_one_email_subscription_per_address(run: MockRun) -> None:
    subscriptions = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.inputs["endpoint"] for s in subscriptions) == [
        "oncall@example.com",
        "sre@example.com",
    ]
    topic_arn = run.one(TOPIC).outputs["arn"]
    for subscription in subscriptions:
        assert subscription.inputs["protocol"] == "email", subscription.urn
        assert subscription.inputs["topic"] == topic_arn, subscription.urn


def test_alerting_alarms_notify_on_alarm_and_ok(run: MockRun) -> None:
    """Every alarm wired to the hub's topic reaches it, for alarm and for recovery."""
    topic_arn = run.one(TOPIC).outputs["arn"]
    assert run.of_type(ALARM), "the test stack has no alarm to check"
    for alarm in run.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic_arn], f"{alarm.urn} has no alarm action"
        assert alarm.inputs["okActions"] == [topic_arn], f"{alarm.urn} has no OK action"


def test_alerting_alarms_depend_on_topic_policy(run: MockRun) -> None:
    """Alarms wait for the policy that lets CloudWatch publish: the hub's topic ARN carries it,
    so any alarm given that ARN depends on it without a depends_on of its own."""
    policy = run.one("aws:sns/topicPolicy:TopicPolicy").urn
    for alarm in run.of_type(ALARM):
        assert policy in alarm.options.dependencies, (
            f"{alarm.urn} does not depend on the topic policy"
        )
        through = set(alarm.options.property_dependencies.get("alarmActions", ()))
        assert policy in through, f"{alarm.urn}: the policy does not come with the topic ARN"


def test_alerting_topic_arn_output_is_the_topics_arn(run: MockRun) -> None:
    """The published ARN is the topic's own, only delayed until its policy exists."""
    assert run.outputs["topicArn"] == run.one(TOPIC).outputs["arn"]


def test_alerting_key_deletion_window_follows_its_own_setting() -> None:
    """The key's waiting period is its own decision, not a side effect of the database's."""
    hub = lambda s: AlertingHub("alerting", hub_args(s))  # noqa: E731
    assert run_components(hub).one(KEY).inputs["deletionWindowInDays"] == 7
    longer = run_components(hub, keyDeletionWindowDays="30", dbDeletionProtection="true")
    assert longer.one(KEY).inputs["deletionWindowInDays"] == 30
    unaffected = run_components(hub, dbDeletionProtection="true", dbBackupRetentionDays="7")
    assert unaffected.one(KEY).inputs["deletionWindowInDays"] == 7, "follows dbDeletionProtection"


@pytest.mark.parametrize(
    ("overrides", "retained"),
    [
        ({}, False),
        ({"dbDeletionProtection": "true"}, False),
        ({"dbFinalSnapshot": "true"}, True),
        ({"secretRecoveryWindowDays": "7"}, True),
    ],
)
def test_alerting_key_outlives_the_stack_exactly_when_data_does(
    overrides: dict[str, str], retained: bool
) -> None:
    """A final snapshot or a secret in its recovery window is encrypted with the key: destroy
    must leave the key, or they become unreadable once its deletion window ends. Retained,
    not protected: `protect` would stop `pulumi destroy` until someone unprotects it."""
    run = run_components(lambda s: AlertingHub("alerting", hub_args(s)), **overrides)
    key = run.one(KEY)
    assert key.options.retain_on_delete is retained, f"{key.urn} retain_on_delete with {overrides}"
    assert not key.options.protect, f"{key.urn} is protected: destroy would stop on it"


def test_alerting_key_alias_goes_with_the_stack() -> None:
    """The alias is deleted even when the key stays: a re-created stack takes the same alias
    name, which a retained alias would block (AlreadyExistsException)."""
    run = run_components(lambda s: AlertingHub("alerting", hub_args(s)), dbFinalSnapshot="true")
    alias = run.one("aws:kms/alias:Alias")
    assert not alias.options.retain_on_delete and not alias.options.protect, alias.urn
