"""The API's alarms (5XX and 4XX rates, p99 latency) and its dashboard widgets."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting import AlertingHub
from components.dashboard import Threshold, metric_widget
from components.monitoring import AlarmGroup, metric_alarm
from functions.shared.analytics_contract.routes import ROUTE_METRIC, ROUTE_METRIC_DIMENSIONS

NAMESPACE = "AWS/ApiGateway"
RATE_PERIOD_SECONDS = 60
# Share of requests answered with a server error that pages (5 % over 3 of 5 minutes).
SERVER_ERROR_RATE_THRESHOLD = 0.05
# Client errors are the callers' mistakes; a quarter of all requests means a broken client.
CLIENT_ERROR_RATE_THRESHOLD = 0.25
LATENCY_PERIOD_SECONDS = 300
LATENCY_P99_THRESHOLD_MS = 3000
# Zero traffic is not an error: no requests → rate 0, never a division by zero.
RATE_EXPRESSION = "IF(FILL(requests, 0) > 0, FILL(errors, 0) / requests, 0)"


def _api_metric(
    metric: str, api_name: pulumi.Input[str], stage_name: pulumi.Input[str]
) -> aws.cloudwatch.MetricAlarmMetricQueryMetricArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
        namespace=NAMESPACE,
        metric_name=metric,
        dimensions={"ApiName": api_name, "Stage": stage_name},
        period=RATE_PERIOD_SECONDS,
        stat="Sum",
    )


def rate_queries(
    error_metric: str, api_name: pulumi.Input[str], stage_name: pulumi.Input[str]
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """Metric math for ``error_metric / Count``, guarded so zero traffic reads as rate 0."""
    return [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="errors", metric=_api_metric(error_metric, api_name, stage_name), return_data=False
        ),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="requests", metric=_api_metric("Count", api_name, stage_name), return_data=False
        ),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="rate",
            expression=RATE_EXPRESSION,
            label=f"{error_metric} rate",
            return_data=True,
        ),
    ]


def create_api_alarms(
    name: str,
    *,
    hub: AlertingHub,
    parent: pulumi.Resource,
    api_name: pulumi.Output[str],
    stage_name: pulumi.Output[str],
) -> AlarmGroup:
    """5XX rate (pages), 4XX rate and p99 latency of the stage, with their widgets."""
    rate_alarm: dict[str, Any] = {
        "comparison_operator": "GreaterThanThreshold",
        "evaluation_periods": 5,
        "datapoints_to_alarm": 3,
        "treat_missing_data": "notBreaching",
    }
    server_errors = metric_alarm(
        f"{name}-5xx-rate",
        hub=hub,
        parent=parent,
        slug="api-5xx-rate",
        description=(
            f"API: over {SERVER_ERROR_RATE_THRESHOLD:.0%} of requests answered 5XX in 3 of "
            "5 minutes (handler failures or a dependency down)."
        ),
        critical=True,
        metric_queries=rate_queries("5XXError", api_name, stage_name),
        threshold=SERVER_ERROR_RATE_THRESHOLD,
        **rate_alarm,
    )
    client_errors = metric_alarm(
        f"{name}-4xx-rate",
        hub=hub,
        parent=parent,
        slug="api-4xx-rate",
        description=(
            f"API: over {CLIENT_ERROR_RATE_THRESHOLD:.0%} of requests answered 4XX "
            "(a broken client, a lost API key, or probing)."
        ),
        metric_queries=rate_queries("4XXError", api_name, stage_name),
        threshold=CLIENT_ERROR_RATE_THRESHOLD,
        **rate_alarm,
    )
    latency = metric_alarm(
        f"{name}-latency-p99",
        hub=hub,
        parent=parent,
        slug="api-latency-p99",
        description=f"API: p99 latency above {LATENCY_P99_THRESHOLD_MS} ms for 2 of 3 periods.",
        namespace=NAMESPACE,
        metric_name="Latency",
        dimensions={"ApiName": api_name, "Stage": stage_name},
        extended_statistic="p99",
        period=LATENCY_PERIOD_SECONDS,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison_operator="GreaterThanThreshold",
        threshold=LATENCY_P99_THRESHOLD_MS,
        treat_missing_data="notBreaching",
    )
    return AlarmGroup(
        alarms=[server_errors, client_errors, latency],
        widgets=_widgets(hub, api_name, stage_name),
    )


def _widgets(
    hub: AlertingHub, api_name: pulumi.Output[str], stage_name: pulumi.Output[str]
) -> list[dict[str, Any]]:
    region = hub.settings.region

    def metric(metric_name: str, *options: dict[str, Any]) -> list[pulumi.Input[Any]]:
        return [NAMESPACE, metric_name, "ApiName", api_name, "Stage", stage_name, *options]

    def rate(error_metric: str, label: str) -> list[list[Any]]:
        prefix = "e5" if error_metric.startswith("5") else "e4"
        expression = RATE_EXPRESSION.replace("errors", prefix).replace("requests", f"{prefix}n")
        return [
            [{"expression": expression, "label": label, "id": f"{prefix}r"}],
            metric(error_metric, {"id": prefix, "visible": False}),
            metric("Count", {"id": f"{prefix}n", "visible": False}),
        ]

    namespace = hub.naming.metrics_namespace
    return [
        metric_widget(
            "API: error rates",
            [*rate("5XXError", "5XX rate"), *rate("4XXError", "4XX rate")],
            region=region,
            stat="Sum",
            period=RATE_PERIOD_SECONDS,
            thresholds=[
                Threshold("5XX rate alarm (pages)", SERVER_ERROR_RATE_THRESHOLD),
                Threshold("4XX rate alarm", CLIENT_ERROR_RATE_THRESHOLD),
            ],
        ),
        metric_widget(
            "API: p99 latency (ms)",
            [metric("Latency")],
            region=region,
            stat="p99",
            period=LATENCY_PERIOD_SECONDS,
            thresholds=[Threshold("p99 latency alarm", LATENCY_P99_THRESHOLD_MS)],
        ),
        metric_widget(
            "API: requests and errors",
            [
                metric("Count"),
                metric("5XXError"),
                metric("4XXError"),
                # The handler's one request metric, a line per route and status code.
                [
                    {
                        "expression": (
                            f'SEARCH(\'{{"{namespace}",{",".join(ROUTE_METRIC_DIMENSIONS)}}} '
                            f"MetricName=\"{ROUTE_METRIC}\"', 'Sum', {RATE_PERIOD_SECONDS})"
                        ),
                        "label": "handler",
                        "id": "routes",
                    }
                ],
            ],
            region=region,
            stat="Sum",
            period=RATE_PERIOD_SECONDS,
        ),
    ]
