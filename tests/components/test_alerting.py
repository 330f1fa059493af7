"""AlertingHub: the key and its policy, the encrypted topic, subscriptions, dashboard, paging."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from components.alerting import AlertingHub, AlertingHubArgs, log_group_names
from components.dashboard import DashboardSection, Threshold, metric_widget
from components.monitoring import metric_alarm
from components.settings import Settings
from tests.harness import (
    ACCOUNT_ID,
    REGION,
    MockRun,
    as_list,
    make_settings,
    parse_document,
    run_components,
    statements,
)

KEY = "aws:kms/key:Key"
TOPIC = "aws:sns/topic:Topic"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
EMAILS = '["oncall@example.com", "sre@example.com"]'


def build_hub(settings: Settings) -> None:
    """A hub with one section and one critical and one ordinary alarm."""
    hub = AlertingHub("alerting", AlertingHubArgs(settings))
    hub.add_dashboard_section(
        DashboardSection(
            "Example",
            [
                metric_widget(
                    "Errors",
                    [["AWS/Lambda", "Errors"]],
                    region=settings.region,
                    thresholds=[Threshold("errors", 5)],
                )
            ],
        )
    )
    for slug, critical in (("paging", True), ("context", False)):
        metric_alarm(
            f"alarm-{slug}",
            hub=hub,
            parent=hub,
            slug=slug,
            description=slug,
            critical=critical,
            namespace="AWS/Lambda",
            metric_name="Errors",
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanThreshold",
        )
    hub.finish()


@pytest.fixture(scope="module")
def run() -> MockRun:
    return run_components(build_hub, alarmEmails=EMAILS)


def key_statements(run: MockRun) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements(run.one(KEY).inputs["policy"])}


def test_alerting_key_rotation_on(run: MockRun) -> None:
    """Failure analysis point 8: the customer-managed key rotates."""
    key = run.one(KEY)
    assert key.inputs["enableKeyRotation"] is True, f"{key.urn} does not rotate"


def test_alerting_key_policy_has_no_public_principal(run: MockRun) -> None:
    """Failure analysis points 3 and 8: no statement grants to Principal '*'."""
    for statement in key_statements(run).values():
        principal = statement["Principal"]
        assert principal != "*" and "*" not in as_list(principal.get("AWS")), statement


def test_alerting_key_policy_conditions_every_service_grant(run: MockRun) -> None:
    """Failure analysis point 8: each grant beyond the account's own administration has a
    condition limiting it."""
    for sid, statement in key_statements(run).items():
        if sid == "AccountAdministersKey":
            assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
            continue
        assert statement.get("Condition"), f"key policy statement {sid} has no condition"


def test_alerting_key_policy_logs_names_exactly_the_stack_log_groups(run: MockRun) -> None:
    """Failure analysis point 8: CloudWatch Logs may use the key for this stack's groups only."""
    statement = key_statements(run)["CloudWatchLogsEncryptsStackLogGroups"]
    assert statement["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    arns = statement["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
    expected = [
        f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}"
        for name in log_group_names(make_settings().naming)
    ]
    assert sorted(arns) == sorted(expected)
    assert all("*" not in arn for arn in arns), arns


def test_alerting_key_policy_delegates_to_iam_once(run: MockRun) -> None:
    """Failure analysis point 8: the account statement is the only one naming an AWS
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
    """Failure analysis point 8: CloudWatch and EventBridge are confined to this stack."""
    statement = key_statements(run)[sid]
    assert statement["Principal"] == {"Service": f"{service}.amazonaws.com"}
    condition = statement["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    source_arn = next(v["aws:SourceArn"] for v in condition.values() if "aws:SourceArn" in v)
    assert source_arn.startswith(f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:")
    assert "cw-analytics-test-" in source_arn, source_arn


def test_alerting_key_alias(run: MockRun) -> None:
    alias = run.one("aws:kms/alias:Alias")
    assert alias.inputs["name"] == "alias/cw-analytics-test-key"
    assert run.one(KEY).urn in alias.property_dependencies["targetKeyId"]


def test_alerting_topic_encrypted_with_the_key(run: MockRun) -> None:
    """Failure analysis point 8: the alert topic is encrypted with the stack's key."""
    topic = run.one(TOPIC)
    assert topic.inputs["name"] == "cw-analytics-test-alerts"
    assert topic.inputs["kmsMasterKeyId"] == run.one(KEY).outputs["arn"], topic.urn


def test_alerting_topic_policy_only_cloudwatch_of_this_account(run: MockRun) -> None:
    """Failure analysis point 3: only CloudWatch alarms of this account publish."""
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
    """Failure analysis point 3: another stack's alarms in the same account cannot publish."""
    [statement] = statements(run.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    source = statement["Condition"]["ArnLike"]["aws:SourceArn"]
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
    """Failure analysis point 2: every alarm reaches the topic, for alarm and for recovery."""
    topic_arn = run.one(TOPIC).outputs["arn"]
    for alarm in [*run.of_type(ALARM), *run.of_type(COMPOSITE)]:
        assert alarm.inputs["alarmActions"] == [topic_arn], f"{alarm.urn} has no alarm action"
        assert alarm.inputs["okActions"] == [topic_arn], f"{alarm.urn} has no OK action"


def test_alerting_alarms_depend_on_topic_policy(run: MockRun) -> None:
    """Failure analysis point 7: alarms wait for the policy that lets CloudWatch publish."""
    policy = run.one("aws:sns/topicPolicy:TopicPolicy").urn
    for alarm in [*run.of_type(ALARM), *run.of_type(COMPOSITE)]:
        assert policy in alarm.dependencies, f"{alarm.urn} does not depend on the topic policy"
        as_input = {u for urns in alarm.property_dependencies.values() for u in urns}
        assert policy not in as_input, f"{alarm.urn}: the dependency is expected to be explicit"


def test_alerting_composite_alarm_over_critical_alarms(run: MockRun) -> None:
    composite = run.one(COMPOSITE)
    assert composite.inputs["alarmName"] == "cw-analytics-test-service-health"
    assert composite.inputs["alarmRule"] == 'ALARM("cw-analytics-test-paging")'


def test_alerting_dashboard_built_from_sections(run: MockRun) -> None:
    dashboard = run.one(DASHBOARD)
    assert dashboard.inputs["dashboardName"] == "cw-analytics-test-dashboard"
    body = parse_document(dashboard.inputs["dashboardBody"])
    titles = [w["properties"]["markdown"] for w in body["widgets"] if w["type"] == "text"]
    assert titles == ["## Service health", "## Example"]
    [status] = [w for w in body["widgets"] if w["type"] == "alarm"]
    alarms = status["properties"]["alarms"]
    assert len(alarms) == 3 and alarms[0].endswith(":alarm:cw-analytics-test-service-health")
    [graph] = [w for w in body["widgets"] if w["type"] == "metric"]
    assert graph["properties"]["annotations"]["horizontal"] == [{"label": "errors", "value": 5}]


def test_alerting_metric_alarm_refuses_own_actions() -> None:
    """Failure analysis point 2: components cannot route an alarm elsewhere."""

    def build(settings: Settings) -> None:
        hub = AlertingHub("alerting", AlertingHubArgs(settings))
        metric_alarm(
            "bad",
            hub=hub,
            parent=hub,
            slug="bad",
            description="bad",
            alarm_actions=["arn:aws:sns:eu-west-1:1:elsewhere"],
        )

    with pytest.raises(TypeError, match="sets alarm_actions itself"):
        run_components(build)


def test_alerting_sections_rejected_after_finish() -> None:
    def build(settings: Settings) -> None:
        hub = AlertingHub("alerting", AlertingHubArgs(settings))
        hub.finish()
        hub.add_dashboard_section(DashboardSection("Late"))

    with pytest.raises(RuntimeError, match="already built"):
        run_components(build)


def test_alerting_key_deletion_window_follows_its_own_setting() -> None:
    """The key's waiting period is its own decision, not a side effect of the database's."""
    hub = lambda s: AlertingHub("alerting", AlertingHubArgs(s))  # noqa: E731
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
    run = run_components(lambda s: AlertingHub("alerting", AlertingHubArgs(s)), **overrides)
    key = run.one(KEY)
    assert key.retain_on_delete is retained, f"{key.urn} retain_on_delete with {overrides}"
    assert not key.protect, f"{key.urn} is protected: destroy would stop on it"


def test_alerting_key_alias_goes_with_the_stack() -> None:
    """The alias is deleted even when the key stays: a re-created stack takes the same alias
    name, which a retained alias would block (AlreadyExistsException)."""
    run = run_components(
        lambda s: AlertingHub("alerting", AlertingHubArgs(s)), dbFinalSnapshot="true"
    )
    alias = run.one("aws:kms/alias:Alias")
    assert not alias.retain_on_delete and not alias.protect, alias.urn
