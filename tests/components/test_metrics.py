"""MetricAggregator under Pulumi's mocks: table, scheduled Lambda, dead-letter queue, alarms."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pytest

from components.alerting import AlertingHub
from components.alerting.hub import NAMES as HUB_NAMES
from components.api.rest_api import NAMES as API_NAMES
from components.dashboard.service_dashboard import NAMES as DASHBOARD_NAMES
from components.database.instance import NAMES as DB_NAMES
from components.lib.args import InvalidArgsError
from components.lib.lambda_alarms import DURATION_ALARM_FRACTION
from components.lib.lambda_function import ENVIRONMENT_LIMIT_BYTES
from components.lib.naming import instance_naming
from components.metrics import MetricAggregator, WatchedResources
from components.metrics.aggregator import NAMES as AGGREGATOR_NAMES
from components.metrics.aggregator import lookback_minutes, metric_sources
from components.network.vpc import NAMES as VPC_NAMES
from stack_args import aggregator_args, hub_args
from stack_settings import Settings
from tests.components.support import (
    ALARM,
    FUNCTION,
    LOG_GROUP,
    REPO_ROOT,
    ROLE,
    archive_member,
    dashboard_body,
    explicit_dependencies,
    role_statements,
)
from tests.harness import as_list, parse_document, run_components, service_dashboard
from tools.pulumi_mocks import MockRun

API_FUNCTION = "cw-analytics-test-api-handler"
DB_IDENTIFIER = "cw-analytics-test-db"
QUEUE = "aws:sqs/queue:Queue"
RULE = "aws:cloudwatch/eventRule:EventRule"


def _builder(function_names: Sequence[str] = (API_FUNCTION,), db: str = DB_IDENTIFIER) -> Any:
    def build(settings: Settings) -> None:
        hub = AlertingHub("alerting", hub_args(settings))
        watched = WatchedResources(
            api_name=f"{settings.name_prefix}-api",
            api_stage="v1",
            function_names=list(function_names),
            db_identifier=db,
        )
        aggregator = MetricAggregator("metrics", aggregator_args(settings, hub, watched))
        pulumi.export("paging", aggregator.paging_alarm_names)
        service_dashboard(settings, hub, **{"Metric aggregator": aggregator})

    return build


@pytest.fixture(scope="module")
def run() -> MockRun:
    return run_components(_builder())


def _function(run: MockRun) -> Any:
    return run.one(FUNCTION)


def _environment(run: MockRun) -> dict[str, str]:
    return dict(_function(run).inputs["environment"]["variables"])


def longest_suffix() -> str:
    """The longest environment suffix every component of the program accepts (every derived
    name within its AWS limit)."""
    tables = (HUB_NAMES, VPC_NAMES, DB_NAMES, API_NAMES, AGGREGATOR_NAMES, DASHBOARD_NAMES)
    suffix = "a"
    while True:
        try:
            for rules in tables:
                instance_naming(
                    "C", "c", name_prefix=f"cw-analytics-{suffix}a", instance_name="", rules=rules
                )
        except InvalidArgsError:
            return suffix
        suffix += "a"


def test_metrics_table_schema_follows_lambda_contract(run: MockRun) -> None:
    table = run.one("aws:dynamodb/table:Table")
    inputs = table.inputs
    assert (inputs["hashKey"], inputs["rangeKey"]) == ("pk", "sk")
    assert sorted((a["name"], a["type"]) for a in inputs["attributes"]) == [
        ("pk", "S"),
        ("sk", "S"),
    ]
    assert inputs["ttl"] == {"attributeName": "expires_at", "enabled": True}
    assert inputs["billingMode"] == "PAY_PER_REQUEST"
    assert inputs["serverSideEncryption"] == {
        "enabled": True,
        "kmsKeyArn": run.one("aws:kms/key:Key").outputs["arn"],
    }
    assert inputs["pointInTimeRecovery"] == {"enabled": True}
    assert inputs["name"] == "cw-analytics-test-metrics"


def test_metrics_table_deletion_protection_follows_settings(run: MockRun) -> None:
    assert run.one("aws:dynamodb/table:Table").inputs["deletionProtectionEnabled"] is False
    protected = run_components(_builder(), metricsTableDeletionProtection="true").one(
        "aws:dynamodb/table:Table"
    )
    assert protected.inputs["deletionProtectionEnabled"] is True


def test_aggregator_environment_follows_lambda_contract(run: MockRun) -> None:
    env = _environment(run)
    assert {k: v for k, v in env.items() if k != "METRIC_SOURCES"} == {
        "METRICS_TABLE": "cw-analytics-test-metrics",
        "LOOKBACK_MINUTES": "15",
        "RETENTION_DAYS": "30",
        "PERIOD_SECONDS": "60",
        "POWERTOOLS_SERVICE_NAME": "aggregator",
        "POWERTOOLS_METRICS_NAMESPACE": "cw-analytics/test",
        "LOG_LEVEL": "INFO",
        "ALERT_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:cw-analytics-test-alerts",
    }


def test_aggregator_metric_sources_is_compact_schema_v1(run: MockRun) -> None:
    text = _environment(run)["METRIC_SOURCES"]
    assert json.loads(text) == {
        "v": 1,
        "api": {"name": "cw-analytics-test-api", "stage": "v1"},
        "functions": [API_FUNCTION, "cw-analytics-test-aggregator"],
        "db": DB_IDENTIFIER,
        "table": "cw-analytics-test-metrics",
        "namespace": "cw-analytics/test",
    }
    assert text == json.dumps(json.loads(text), separators=(",", ":")), "not compact"


def test_aggregator_environment_is_accepted_by_the_function_code(
    run: MockRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment the stack sets parses with the aggregator's own settings reader."""
    # The function's code imports its package as ``aggregator`` and the contract as
    # ``analytics_contract`` (both at the zip's top level).
    monkeypatch.syspath_prepend(str(REPO_ROOT / "functions/shared"))
    monkeypatch.syspath_prepend(str(REPO_ROOT / "functions/metric_aggregator"))
    from aggregator.run import Settings as FunctionSettings

    parsed = FunctionSettings.from_env(_environment(run))
    assert parsed.sources.functions == (API_FUNCTION, "cw-analytics-test-aggregator")
    assert parsed.lookback_minutes * 60 >= parsed.period_seconds


def test_aggregator_environment_fits_with_the_longest_suffix() -> None:
    suffix = longest_suffix()
    assert len(suffix) > 10, f"longest accepted suffix is only {suffix!r}"
    base = f"cw-analytics-{suffix}"
    run = run_components(_builder([f"{base}-api-handler"], f"{base}-db"), suffix=suffix)
    env = _environment(run)
    assert json.loads(env["METRIC_SOURCES"])["db"] == f"{base}-db"
    assert sum(len(k) + len(v) for k, v in env.items()) <= ENVIRONMENT_LIMIT_BYTES


def test_aggregator_environment_over_4kb_fails_naming_metric_sources() -> None:
    long_names = [f"{'f' * 60}-{index:03d}" for index in range(70)]
    # Pulumi re-raises the program's error as a ValueError carrying its message.
    expected = r"over Lambda's 4096-byte limit; the largest is METRIC_SOURCES"
    with pytest.raises(ValueError, match=expected):
        run_components(_builder(long_names))


@pytest.mark.parametrize(("period", "minutes"), [(60, 15), (300, 15), (600, 30), (3600, 180)])
def test_aggregator_lookback_covers_three_periods_at_least_15_minutes(
    period: int, minutes: int
) -> None:
    assert lookback_minutes(period) == minutes


def test_aggregator_runs_outside_the_vpc_on_python312_arm64(run: MockRun) -> None:
    inputs = _function(run).inputs
    assert not inputs.get("vpcConfig"), "aggregator needs no VPC (public CloudWatch/DynamoDB)"
    assert (inputs["runtime"], inputs["architectures"]) == ("python3.12", ["arm64"])
    assert (inputs["timeout"], inputs["memorySize"]) == (120, 256)
    assert inputs["tracingConfig"] == {"mode": "Active"}


def test_aggregator_reserves_concurrency_only_when_configured(run: MockRun) -> None:
    """A new account's quota (often 10) leaves nothing to reserve: none by default."""
    assert _function(run).inputs["reservedConcurrentExecutions"] == -1
    reserved = run_components(_builder(), aggregatorReservedConcurrency="1")
    assert _function(reserved).inputs["reservedConcurrentExecutions"] == 1


def test_aggregator_package_holds_the_real_handler(run: MockRun) -> None:
    """The archive the function gets contains
    functions/metric_aggregator's handler.py, byte for byte."""
    expected = (REPO_ROOT / "functions/metric_aggregator/handler.py").read_bytes()
    assert archive_member(_function(run), "handler.py") == expected


def test_aggregator_is_created_after_its_log_group(run: MockRun) -> None:
    """The aggregator depends (depends_on) on its own encrypted log
    group with retention."""
    log_group = run.one(LOG_GROUP)
    assert log_group.urn in explicit_dependencies(_function(run)), "no depends_on log group"
    assert log_group.inputs["name"] == "/aws/lambda/cw-analytics-test-aggregator"
    assert log_group.inputs["kmsKeyId"] == run.one("aws:kms/key:Key").outputs["arn"]
    assert log_group.inputs["retentionInDays"] == 14


def test_aggregator_permission_names_and_waits_for_the_rule(run: MockRun) -> None:
    """The Lambda permission depends on the EventBridge rule and
    allows only that rule."""
    rule = run.one(RULE)
    permission = run.one("aws:lambda/permission:Permission")
    assert rule.urn in permission.options.property_dependencies["sourceArn"], (
        "permission before rule"
    )
    assert permission.inputs["sourceArn"] == rule.outputs["arn"]
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["function"] == _function(run).outputs["name"]


def test_aggregator_rule_runs_on_the_configured_schedule(run: MockRun) -> None:
    rule = run.one(RULE)
    assert rule.inputs["scheduleExpression"] == "rate(5 minutes)"
    assert rule.inputs["name"] == "cw-analytics-test-aggregator-schedule"


def test_aggregator_target_retries_then_dead_letters(run: MockRun) -> None:
    target = run.one("aws:cloudwatch/eventTarget:EventTarget")
    assert target.inputs["arn"] == _function(run).outputs["arn"]
    retry = target.inputs["retryPolicy"]
    assert 60 <= retry["maximumEventAgeInSeconds"] <= 300, retry
    assert retry["maximumRetryAttempts"] >= 1, retry
    assert target.inputs["deadLetterConfig"] == {"arn": run.one(QUEUE).outputs["arn"]}


def test_aggregator_dead_letter_queue_is_encrypted_and_keeps_14_days(run: MockRun) -> None:
    queue = run.one(QUEUE)
    assert queue.inputs["kmsMasterKeyId"] == run.one("aws:kms/key:Key").outputs["arn"]
    assert queue.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    assert queue.inputs["name"] == "cw-analytics-test-aggregator-dlq"


def test_aggregator_dead_letter_queue_accepts_only_the_rule(run: MockRun) -> None:
    policy = run.one("aws:sqs/queuePolicy:QueuePolicy")
    (statement,) = parse_document(policy.inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert as_list(statement["Action"]) == ["sqs:SendMessage"]
    assert statement["Resource"] == run.one(QUEUE).outputs["arn"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": run.one(RULE).outputs["arn"]}}


def test_aggregator_role_reads_metrics_in_region_and_writes_only_the_table(run: MockRun) -> None:
    found = role_statements(run, run.one(ROLE))
    table_arn = run.one("aws:dynamodb/table:Table").outputs["arn"]
    by_action = {a: s for s in found for a in as_list(s["Action"])}
    assert by_action["cloudwatch:GetMetricData"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"}
    }
    writes = {a for a in by_action if a.startswith("dynamodb:")}
    # The function writes only through BatchWriteItem (aggregator/writer.py).
    assert writes == {"dynamodb:BatchWriteItem"}, writes
    for action in writes:
        assert by_action[action]["Resource"] == table_arn, action


def test_aggregator_heartbeat_alarm_breaches_after_three_silent_periods(run: MockRun) -> None:
    alarm = run.one(ALARM, "metrics-heartbeat").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("cw-analytics/test", "AggregatorHeartbeat")
    assert alarm["dimensions"] == {"service": "aggregator"}
    assert (alarm["statistic"], alarm["period"], alarm["evaluationPeriods"]) == ("Sum", 300, 3)
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("LessThanThreshold", 1)
    assert alarm["treatMissingData"] == "breaching"


def test_aggregator_heartbeat_period_follows_the_schedule() -> None:
    alarm = run_components(_builder(), aggregatorSchedule="rate(10 minutes)").one(
        ALARM, "metrics-heartbeat"
    )
    assert alarm.inputs["period"] == 600


def test_aggregator_dead_letter_alarm_fires_on_one_message(run: MockRun) -> None:
    alarm = run.one(ALARM, "metrics-dlq-not-empty").inputs
    assert alarm["namespace"] == "AWS/SQS"
    assert alarm["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["dimensions"] == {"QueueName": "cw-analytics-test-aggregator-dlq"}
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)


def test_aggregator_failed_invocations_alarm_watches_the_rule(run: MockRun) -> None:
    alarm = run.one(ALARM, "metrics-failed-invocations").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/Events", "FailedInvocations")
    assert alarm["dimensions"] == {"RuleName": "cw-analytics-test-aggregator-schedule"}


@pytest.mark.parametrize("metric", ["ThrottledRequests", "SystemErrors"])
def test_metrics_table_alarm_sums_every_operation(run: MockRun, metric: str) -> None:
    slug = {"ThrottledRequests": "throttled", "SystemErrors": "system-errors"}[metric]
    queries = run.one(ALARM, f"metrics-table-{slug}").inputs["metricQueries"]
    metrics = [q["metric"] for q in queries if q.get("metric")]
    assert {m["metricName"] for m in metrics} == {metric}
    assert {m["dimensions"]["Operation"] for m in metrics} >= {"BatchWriteItem", "Query"}
    assert {m["dimensions"]["TableName"] for m in metrics} == {"cw-analytics-test-metrics"}
    (total,) = [q for q in queries if q.get("returnData")]
    assert total["expression"].startswith("SUM("), total


def test_aggregator_duration_alarm_at_its_share_of_the_timeout(run: MockRun) -> None:
    alarm = run.one(ALARM, "metrics-aggregator-duration").inputs
    timeout = _function(run).inputs["timeout"]
    assert alarm["threshold"] == pytest.approx(timeout * 1000 * DURATION_ALARM_FRACTION)
    assert alarm["dimensions"] == {"FunctionName": "cw-analytics-test-aggregator"}


def test_aggregator_critical_alarms_are_heartbeat_dead_letters_and_lost_events(
    run: MockRun,
) -> None:
    assert set(run.outputs["paging"]) == {
        "cw-analytics-test-aggregator-heartbeat",
        "cw-analytics-test-aggregator-dlq-not-empty",
        "cw-analytics-test-aggregator-dlq-delivery-failed",
    }


def test_aggregator_lost_events_alarm_watches_dead_letter_delivery(run: MockRun) -> None:
    alarm = run.one(ALARM, "metrics-dlq-delivery-failed").inputs
    assert (alarm["namespace"], alarm["metricName"]) == (
        "AWS/Events",
        "InvocationsFailedToBeSentToDlq",
    )
    assert alarm["dimensions"] == {"RuleName": "cw-analytics-test-aggregator-schedule"}
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)
    # EventBridge publishes the metric only when it is not zero.
    assert alarm["treatMissingData"] == "notBreaching"


@pytest.mark.parametrize(
    ("slug", "metric", "periods"),
    [
        ("query-errors", "AggregatorQueryErrors", 2),
        ("skipped-values", "AggregatorSkippedValues", 1),
    ],
)
def test_aggregator_run_quality_alarms_watch_the_function_metrics(
    run: MockRun, slug: str, metric: str, periods: int
) -> None:
    alarm = run.one(ALARM, f"metrics-{slug}").inputs
    assert (alarm["namespace"], alarm["metricName"]) == ("cw-analytics/test", metric)
    assert alarm["dimensions"] == {"service": "aggregator"}
    assert (alarm["statistic"], alarm["period"]) == ("Sum", 300)
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["evaluationPeriods"] == periods
    assert alarm["alarmActions"] == alarm["okActions"] != [], f"{slug} alarm notifies no one"


def test_aggregator_dashboard_draws_query_errors_skipped_values_and_lost_events(
    run: MockRun,
) -> None:
    drawn = {
        tuple(metric[:2])
        for widget in dashboard_body(run)["widgets"]
        for metric in widget.get("properties", {}).get("metrics", [])
    }
    for expected in [
        ("cw-analytics/test", "AggregatorQueryErrors"),
        ("cw-analytics/test", "AggregatorSkippedValues"),
        ("AWS/Events", "InvocationsFailedToBeSentToDlq"),
    ]:
        assert expected in drawn, f"dashboard does not draw {expected}"


def test_aggregator_alarms_and_function_share_the_metric_names(run: MockRun) -> None:
    """The names the function publishes (read from its code) are the names alarmed on."""
    from functions.shared.analytics_contract import metrics as contract

    handler = (REPO_ROOT / "functions/metric_aggregator/handler.py").read_text()
    alarmed = {a.inputs.get("metricName") for a in run.of_type(ALARM)}
    for name in ("HEARTBEAT_METRIC", "QUERY_ERRORS_METRIC", "SKIPPED_VALUES_METRIC"):
        assert name in handler, f"handler does not publish {name}"
        assert getattr(contract, name) in alarmed, f"no alarm on {getattr(contract, name)}"


def test_metric_sources_rejects_a_name_the_function_would_refuse() -> None:
    with pytest.raises(ValueError, match=r"^db 'db\\n' must match"):
        metric_sources(
            api_name="api",
            api_stage="v1",
            function_names=["fn"],
            db_identifier="db\n",
            table_name="cw-analytics-test-metrics",
            namespace="cw-analytics/test",
        )


def test_metrics_table_alarms_sum_the_operations_the_aggregator_copies(run: MockRun) -> None:
    from functions.shared.analytics_contract.metrics import DYNAMODB_OPERATIONS

    queries = run.one(ALARM, "metrics-table-throttled").inputs["metricQueries"]
    alarmed = {q["metric"]["dimensions"]["Operation"] for q in queries if q.get("metric")}
    assert alarmed == set(DYNAMODB_OPERATIONS)


def test_aggregator_may_read_only_the_alert_topic_s_attributes(run: MockRun) -> None:
    topic = _environment(run)["ALERT_TOPIC_ARN"]
    role = run.one(ROLE)
    sns = [s for s in role_statements(run, role) if "sns" in str(s["Action"])]
    assert sns == [
        {
            "Sid": "CountAlertSubscriptions",
            "Effect": "Allow",
            "Action": "sns:GetTopicAttributes",
            "Resource": topic,
        }
    ], sns


def test_aggregator_alarms_when_no_one_confirmed_an_alert_subscription(run: MockRun) -> None:
    alarm = next(
        a for a in run.of_type(ALARM) if a.inputs["name"] == "cw-analytics-test-alerts-unconfirmed"
    )
    assert alarm.inputs["metricName"] == "AlertSubscriptionsConfirmed"
    assert alarm.inputs["comparisonOperator"] == "LessThanThreshold"
    assert alarm.inputs["threshold"] == 1, alarm.inputs
