"""Alarms and dashboard widgets every Lambda function of the stack gets."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting import AlertingHub
from components.dashboard import Threshold, metric_widget
from components.monitoring import metric_alarm

# A run slower than this share of the timeout is about to be killed: alarm before it is.
DURATION_ALARM_FRACTION = 0.8
ALARM_PERIOD_SECONDS = 300


def _lambda_metric(function: aws.lambda_.Function, metric: str) -> dict[str, Any]:
    return {
        "namespace": "AWS/Lambda",
        "metric_name": metric,
        "dimensions": {"FunctionName": function.name},
        "period": ALARM_PERIOD_SECONDS,
    }


def duration_threshold_ms(timeout_seconds: int) -> float:
    """The duration alarm's threshold: 80% of the function's timeout, in milliseconds."""
    return timeout_seconds * 1000 * DURATION_ALARM_FRACTION


def function_alarms(
    name: str,
    *,
    slug: str,
    label: str,
    timeout_seconds: int,
    critical: bool,
    hub: AlertingHub,
    parent: pulumi.Resource,
    function: aws.lambda_.Function,
) -> list[aws.cloudwatch.MetricAlarm]:
    """Errors (paging when ``critical``), throttles, and duration near the timeout."""
    errors = metric_alarm(
        f"{name}-errors",
        hub=hub,
        parent=parent,
        slug=f"{slug}-errors",
        description=f"{label}: invocations failed (unhandled exception or timeout).",
        critical=critical,
        **_lambda_metric(function, "Errors"),
        statistic="Sum",
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=1,
        treat_missing_data="notBreaching",
    )
    throttles = metric_alarm(
        f"{name}-throttles",
        hub=hub,
        parent=parent,
        slug=f"{slug}-throttles",
        description=f"{label}: invocations throttled (concurrency exhausted).",
        **_lambda_metric(function, "Throttles"),
        statistic="Sum",
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=1,
        treat_missing_data="notBreaching",
    )
    duration = metric_alarm(
        f"{name}-duration",
        hub=hub,
        parent=parent,
        slug=f"{slug}-duration",
        description=(f"{label}: an invocation took over 80% of its {timeout_seconds} s timeout."),
        **_lambda_metric(function, "Duration"),
        statistic="Maximum",
        comparison_operator="GreaterThanThreshold",
        threshold=duration_threshold_ms(timeout_seconds),
        evaluation_periods=1,
        treat_missing_data="notBreaching",
    )
    return [errors, throttles, duration]


def function_widgets(
    label: str, timeout_seconds: int, function: aws.lambda_.Function, *, region: str
) -> list[dict[str, Any]]:
    """Invocations/errors/throttles and duration of one function, thresholds drawn."""

    def metric(name: str) -> list[pulumi.Input[Any]]:
        return ["AWS/Lambda", name, "FunctionName", function.name]

    return [
        metric_widget(
            f"{label}: invocations, errors, throttles",
            [metric("Invocations"), metric("Errors"), metric("Throttles")],
            region=region,
            stat="Sum",
            period=ALARM_PERIOD_SECONDS,
            thresholds=[Threshold("errors / throttles alarm (> 0)", 0)],
        ),
        metric_widget(
            f"{label}: duration (max)",
            [metric("Duration")],
            region=region,
            stat="Maximum",
            period=ALARM_PERIOD_SECONDS,
            thresholds=[Threshold("80% of timeout (ms)", duration_threshold_ms(timeout_seconds))],
        ),
    ]
