"""The aggregator's alarm table (healthy-run heartbeat, query errors, skipped values, dead
letters, events lost on the way to the dead-letter queue, failed invocations, table throttling and
system errors) and the dashboard widgets that draw them."""

from __future__ import annotations

from typing import Any

import pulumi

from ..lib.alarms import (
    AlarmSpec,
    Comparison,
    Expression,
    Metric,
    MissingData,
    Severity,
    Unit,
)
from ..lib.contract import metrics as contract
from ..lib.widgets import alarm_thresholds, metric_widget

# Periods with no confirmed subscription before the alarm: time for a confirmation e-mail.
UNCONFIRMED_PERIODS = 3
MISSED_RUNS = 3
# Query errors in this many schedule periods in a row: one transient InternalError is retried by
# the next run anyway, a lost permission is not.
QUERY_ERROR_PERIODS = 2
PERIOD_SECONDS = 300


def table_operations(metric: str, table_name: pulumi.Input[str]) -> Expression:
    """``metric`` of the table summed over every operation the stack performs on it."""
    total = ", ".join(f"FILL({operation.lower()}, 0)" for operation in contract.DYNAMODB_OPERATIONS)
    return Expression(
        id="total",
        expression=f"SUM([{total}])",
        label=f"{metric}, all operations",
        metrics={
            operation.lower(): Metric(
                "AWS/DynamoDB", metric, {"TableName": table_name, "Operation": operation}
            )
            for operation in contract.DYNAMODB_OPERATIONS
        },
    )


def aggregator_alarm_specs(
    *,
    namespace: str,
    schedule_period_seconds: int,
    rule_name: pulumi.Input[str],
    queue_name: pulumi.Input[str],
    table_name: pulumi.Input[str],
) -> list[AlarmSpec]:
    """The table: heartbeat, dead letters and lost events page; query errors, skipped values,
    failed invocations and table health open a ticket."""
    own = {"service": contract.AGGREGATOR_SERVICE}
    at_least_one: dict[str, Any] = {
        "comparison": Comparison.GREATER,
        "threshold": 0,
        "unit": Unit.COUNT,
        "evaluation_periods": 1,
        "missing_data": MissingData.NOT_BREACHING,
    }
    return [
        AlarmSpec(
            key="heartbeat",
            slug="aggregator-heartbeat",
            subject="Metric aggregator",
            signal=Metric(namespace, contract.HEARTBEAT_METRIC, own),
            statistic="Sum",
            period_seconds=schedule_period_seconds,
            evaluation_periods=MISSED_RUNS,
            comparison=Comparison.LESS,
            threshold=1,
            unit=Unit.COUNT,
            missing_data=MissingData.BREACHING,
            severity=Severity.PAGE,
            basis=(
                "one healthy run per schedule period; a run with over "
                f"{contract.MAX_FAILED_QUERY_SHARE:.0%} of its queries refused is not healthy"
            ),
            meaning=(
                "runs crash, time out, are not invoked, or cannot read their metrics "
                "(e.g. after an IAM change). See docs/aggregator.md."
            ),
        ),
        AlarmSpec(
            key="alerts-unconfirmed",
            slug="alerts-unconfirmed",
            subject="Alert topic",
            signal=Metric(namespace, contract.ALERT_SUBSCRIPTIONS_METRIC, own),
            statistic="Maximum",
            period_seconds=schedule_period_seconds,
            evaluation_periods=UNCONFIRMED_PERIODS,
            comparison=Comparison.LESS,
            threshold=1,
            unit=Unit.COUNT,
            # No count means no run: the heartbeat alarm says so.
            missing_data=MissingData.NOT_BREACHING,
            severity=Severity.TICKET,
            basis="at least one confirmed subscription on the alert topic",
            meaning=(
                "no one confirmed an alert subscription, so alarms reach no one (SNS drops "
                "subscriptions with their topic: a re-created stack needs the e-mails confirmed "
                "again). Red on the dashboard only: its own notification reaches no one either. "
                "See docs/operations.md."
            ),
        ),
        AlarmSpec(
            key="dlq-not-empty",
            slug="aggregator-dlq-not-empty",
            subject="Metric aggregator",
            signal=Metric(
                "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue_name}
            ),
            statistic="Maximum",
            period_seconds=PERIOD_SECONDS,
            severity=Severity.PAGE,
            meaning="scheduled events gave up after retries (see the dead-letter queue).",
            **at_least_one,
        ),
        AlarmSpec(
            key="dlq-delivery-failed",
            slug="aggregator-dlq-delivery-failed",
            subject="Metric aggregator",
            signal=Metric("AWS/Events", "InvocationsFailedToBeSentToDlq", {"RuleName": rule_name}),
            statistic="Sum",
            period_seconds=PERIOD_SECONDS,
            severity=Severity.PAGE,
            meaning=(
                "EventBridge gave up on a scheduled event and could not put it in the dead-letter "
                "queue either (queue policy, key or queue missing): the event is lost."
            ),
            **at_least_one,
        ),
        AlarmSpec(
            key="query-errors",
            slug="aggregator-query-errors",
            subject="Metric aggregator",
            signal=Metric(namespace, contract.QUERY_ERRORS_METRIC, own),
            statistic="Sum",
            period_seconds=schedule_period_seconds,
            severity=Severity.TICKET,
            meaning=(
                "GetMetricData refused or failed queries in consecutive runs (Forbidden: a "
                "permission is missing; InternalError: CloudWatch). Those series are not being "
                "copied; the run log names them (failed_series)."
            ),
            **{**at_least_one, "evaluation_periods": QUERY_ERROR_PERIODS},
        ),
        AlarmSpec(
            key="skipped-values",
            slug="aggregator-skipped-values",
            subject="Metric aggregator",
            signal=Metric(namespace, contract.SKIPPED_VALUES_METRIC, own),
            statistic="Sum",
            period_seconds=schedule_period_seconds,
            severity=Severity.TICKET,
            meaning=(
                "datapoints DynamoDB cannot store (not finite or out of its number range) were "
                "skipped; the run log names the series."
            ),
            **at_least_one,
        ),
        AlarmSpec(
            key="failed-invocations",
            slug="aggregator-failed-invocations",
            subject="Metric aggregator",
            signal=Metric("AWS/Events", "FailedInvocations", {"RuleName": rule_name}),
            statistic="Sum",
            period_seconds=PERIOD_SECONDS,
            severity=Severity.TICKET,
            meaning="EventBridge could not invoke the function.",
            **at_least_one,
        ),
        AlarmSpec(
            key="table-throttled",
            slug="metrics-table-throttled",
            subject="Metrics table",
            signal=table_operations("ThrottledRequests", table_name),
            statistic="Sum",
            period_seconds=PERIOD_SECONDS,
            severity=Severity.TICKET,
            meaning="requests throttled (on-demand limits or a hot partition).",
            **at_least_one,
        ),
        AlarmSpec(
            key="table-system-errors",
            slug="metrics-table-system-errors",
            subject="Metrics table",
            signal=table_operations("SystemErrors", table_name),
            statistic="Sum",
            period_seconds=PERIOD_SECONDS,
            severity=Severity.TICKET,
            meaning="DynamoDB answered with server errors.",
            **at_least_one,
        ),
    ]


def aggregator_widgets(
    *,
    namespace: str,
    schedule_period_seconds: int,
    rule_name: pulumi.Input[str],
    queue_name: pulumi.Input[str],
    table_name: pulumi.Input[str],
    region: str,
) -> list[dict[str, Any]]:
    """Heartbeat, run health, schedule delivery and table health, thresholds drawn."""
    period = schedule_period_seconds
    specs = aggregator_alarm_specs(
        namespace=namespace,
        schedule_period_seconds=period,
        rule_name=rule_name,
        queue_name=queue_name,
        table_name=table_name,
    )
    return [
        metric_widget(
            "Aggregator: successful runs (heartbeat)",
            [[namespace, contract.HEARTBEAT_METRIC, "service", contract.AGGREGATOR_SERVICE]],
            region=region,
            stat="Sum",
            period=period,
            thresholds=alarm_thresholds(specs, "heartbeat"),
        ),
        metric_widget(
            "Alert topic: confirmed subscriptions (0 = alarms reach no one)",
            [
                [
                    namespace,
                    contract.ALERT_SUBSCRIPTIONS_METRIC,
                    "service",
                    contract.AGGREGATOR_SERVICE,
                ]
            ],
            region=region,
            stat="Maximum",
            period=period,
            thresholds=alarm_thresholds(specs, "alerts-unconfirmed"),
        ),
        metric_widget(
            "Aggregator: failed queries and skipped values per run",
            [
                [namespace, metric, "service", contract.AGGREGATOR_SERVICE]
                for metric in (contract.QUERY_ERRORS_METRIC, contract.SKIPPED_VALUES_METRIC)
            ],
            region=region,
            stat="Sum",
            period=period,
            thresholds=alarm_thresholds(specs, "query-errors", "skipped-values"),
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
            thresholds=alarm_thresholds(
                specs, "dlq-not-empty", "dlq-delivery-failed", "failed-invocations"
            ),
        ),
        metric_widget(
            "Metrics table: throttles and system errors",
            [
                ["AWS/DynamoDB", metric, "TableName", table_name, "Operation", operation]
                for metric in ("ThrottledRequests", "SystemErrors")
                for operation in contract.DYNAMODB_OPERATIONS
            ],
            region=region,
            stat="Sum",
            period=PERIOD_SECONDS,
            thresholds=alarm_thresholds(specs, "table-throttled", "table-system-errors"),
        ),
    ]
