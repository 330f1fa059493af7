"""The aggregator's alarms (healthy-run heartbeat, query errors, skipped values, dead letters,
events lost on the way to the dead-letter queue, failed invocations, table throttling and system
errors) and the dashboard widgets that draw them."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting import AlertingHub
from components.dashboard import Threshold, metric_widget
from components.monitoring import AlarmGroup, metric_alarm
from functions.shared.analytics_contract.metrics import (
    AGGREGATOR_SERVICE,
    DYNAMODB_OPERATIONS,
    HEARTBEAT_METRIC,
    MAX_FAILED_QUERY_SHARE,
    QUERY_ERRORS_METRIC,
    SKIPPED_VALUES_METRIC,
)

MISSED_RUNS = 3
# Query errors in this many schedule periods in a row: one transient InternalError is retried by
# the next run anyway, a lost permission is not.
QUERY_ERROR_PERIODS = 2
PERIOD_SECONDS = 300


def table_operation_queries(
    metric: str, table_name: pulumi.Input[str]
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """``metric`` of the table summed over every operation the stack performs on it."""
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=operation.lower(),
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/DynamoDB",
                metric_name=metric,
                dimensions={"TableName": table_name, "Operation": operation},
                period=PERIOD_SECONDS,
                stat="Sum",
            ),
            return_data=False,
        )
        for operation in DYNAMODB_OPERATIONS
    ]
    total = ", ".join(f"FILL({operation.lower()}, 0)" for operation in DYNAMODB_OPERATIONS)
    return [
        *queries,
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="total",
            expression=f"SUM([{total}])",
            label=f"{metric}, all operations",
            return_data=True,
        ),
    ]


def create_aggregator_alarms(
    name: str,
    *,
    hub: AlertingHub,
    parent: pulumi.Resource,
    rule_name: pulumi.Output[str],
    queue_name: pulumi.Output[str],
    table_name: pulumi.Output[str],
) -> AlarmGroup:
    """Heartbeat, dead letters and lost events (these page), query errors, skipped values,
    failed invocations, table health."""
    settings = hub.settings
    period = settings.aggregator_period_seconds
    at_least_one: dict[str, Any] = {
        "comparison_operator": "GreaterThanThreshold",
        "threshold": 0,
        "evaluation_periods": 1,
        "treat_missing_data": "notBreaching",
    }
    heartbeat = metric_alarm(
        f"{name}-heartbeat",
        hub=hub,
        parent=parent,
        slug="aggregator-heartbeat",
        description=(
            f"Metric aggregator: no healthy run in {MISSED_RUNS} schedule periods "
            f"({MISSED_RUNS * period // 60} minutes): runs crash, time out, are not invoked, or "
            f"cannot read their metrics (over {MAX_FAILED_QUERY_SHARE:.0%} of queries refused, "
            "e.g. after an IAM change); no data counts as missed. See docs/aggregator.md."
        ),
        critical=True,
        namespace=hub.naming.metrics_namespace,
        metric_name=HEARTBEAT_METRIC,
        dimensions={"service": AGGREGATOR_SERVICE},
        statistic="Sum",
        period=period,
        evaluation_periods=MISSED_RUNS,
        comparison_operator="LessThanThreshold",
        threshold=1,
        treat_missing_data="breaching",
    )
    dead_letters = metric_alarm(
        f"{name}-dlq-not-empty",
        hub=hub,
        parent=parent,
        slug="aggregator-dlq-not-empty",
        description="Metric aggregator: scheduled events gave up after retries (see the DLQ).",
        critical=True,
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name},
        statistic="Maximum",
        period=PERIOD_SECONDS,
        **at_least_one,
    )
    lost_dead_letters = metric_alarm(
        f"{name}-dlq-delivery-failed",
        hub=hub,
        parent=parent,
        slug="aggregator-dlq-delivery-failed",
        description=(
            "Metric aggregator: EventBridge gave up on a scheduled event and could not put it in "
            "the dead-letter queue either (queue policy, key or queue missing): the event is lost."
        ),
        critical=True,
        namespace="AWS/Events",
        metric_name="InvocationsFailedToBeSentToDlq",
        dimensions={"RuleName": rule_name},
        statistic="Sum",
        period=PERIOD_SECONDS,
        **at_least_one,
    )
    query_errors = metric_alarm(
        f"{name}-query-errors",
        hub=hub,
        parent=parent,
        slug="aggregator-query-errors",
        description=(
            f"Metric aggregator: GetMetricData refused or failed queries in {QUERY_ERROR_PERIODS} "
            "runs in a row (Forbidden: a permission is missing; InternalError: CloudWatch). "
            "Those series are not being copied; the run log names them (failed_series)."
        ),
        namespace=hub.naming.metrics_namespace,
        metric_name=QUERY_ERRORS_METRIC,
        dimensions={"service": AGGREGATOR_SERVICE},
        statistic="Sum",
        period=period,
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=QUERY_ERROR_PERIODS,
        treat_missing_data="notBreaching",
    )
    skipped = metric_alarm(
        f"{name}-skipped-values",
        hub=hub,
        parent=parent,
        slug="aggregator-skipped-values",
        description=(
            "Metric aggregator: datapoints DynamoDB cannot store (not finite or out of its number "
            "range) were skipped; the run log names the series."
        ),
        namespace=hub.naming.metrics_namespace,
        metric_name=SKIPPED_VALUES_METRIC,
        dimensions={"service": AGGREGATOR_SERVICE},
        statistic="Sum",
        period=period,
        **at_least_one,
    )
    failed = metric_alarm(
        f"{name}-failed-invocations",
        hub=hub,
        parent=parent,
        slug="aggregator-failed-invocations",
        description="Metric aggregator: EventBridge could not invoke the function.",
        namespace="AWS/Events",
        metric_name="FailedInvocations",
        dimensions={"RuleName": rule_name},
        statistic="Sum",
        period=PERIOD_SECONDS,
        **at_least_one,
    )
    throttled = metric_alarm(
        f"{name}-table-throttled",
        hub=hub,
        parent=parent,
        slug="metrics-table-throttled",
        description="Metrics table: requests throttled (on-demand limits or a hot partition).",
        metric_queries=table_operation_queries("ThrottledRequests", table_name),
        **at_least_one,
    )
    system_errors = metric_alarm(
        f"{name}-table-system-errors",
        hub=hub,
        parent=parent,
        slug="metrics-table-system-errors",
        description="Metrics table: DynamoDB answered with server errors (HTTP 500).",
        metric_queries=table_operation_queries("SystemErrors", table_name),
        **at_least_one,
    )
    return AlarmGroup(
        alarms=[
            heartbeat,
            dead_letters,
            lost_dead_letters,
            query_errors,
            skipped,
            failed,
            throttled,
            system_errors,
        ],
        widgets=_widgets(hub, rule_name, queue_name, table_name),
    )


def _widgets(
    hub: AlertingHub,
    rule_name: pulumi.Output[str],
    queue_name: pulumi.Output[str],
    table_name: pulumi.Output[str],
) -> list[dict[str, Any]]:
    region = hub.settings.region
    period = hub.settings.aggregator_period_seconds
    namespace = hub.naming.metrics_namespace
    return [
        metric_widget(
            "Aggregator: successful runs (heartbeat)",
            [[namespace, HEARTBEAT_METRIC, "service", AGGREGATOR_SERVICE]],
            region=region,
            stat="Sum",
            period=period,
            thresholds=[Threshold("heartbeat alarm (< 1 for 3 periods)", 1)],
        ),
        metric_widget(
            "Aggregator: failed queries and skipped values per run",
            [
                [namespace, metric, "service", AGGREGATOR_SERVICE]
                for metric in (QUERY_ERRORS_METRIC, SKIPPED_VALUES_METRIC)
            ],
            region=region,
            stat="Sum",
            period=period,
            thresholds=[Threshold("query error / skipped value alarms (> 0)", 0)],
        ),
        metric_widget(
            "Aggregator: dead letters, lost events and failed invocations",
            [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    queue_name,
                    {"stat": "Maximum"},
                ],
                ["AWS/Events", "FailedInvocations", "RuleName", rule_name],
                ["AWS/Events", "InvocationsFailedToBeSentToDlq", "RuleName", rule_name],
                ["AWS/Events", "Invocations", "RuleName", rule_name],
            ],
            region=region,
            stat="Sum",
            period=PERIOD_SECONDS,
            thresholds=[Threshold("DLQ / lost events / failed invocations alarms (> 0)", 0)],
        ),
        metric_widget(
            "Metrics table: throttles and system errors",
            [
                ["AWS/DynamoDB", metric, "TableName", table_name, "Operation", operation]
                for metric in ("ThrottledRequests", "SystemErrors")
                for operation in DYNAMODB_OPERATIONS
            ],
            region=region,
            stat="Sum",
            period=PERIOD_SECONDS,
            thresholds=[Threshold("throttle / system error alarms (> 0)", 0)],
        ),
    ]
