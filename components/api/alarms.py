"""The API's alarm table (5XX and 4XX rates, p99 latency) and its dashboard widgets."""

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
from ..lib.contract import routes as contract
from ..lib.widgets import alarm_thresholds, metric_widget

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


def _rate(error_metric: str, dimensions: dict[str, pulumi.Input[str]]) -> Expression:
    """``error_metric / Count``, guarded so zero traffic reads as rate 0."""
    return Expression(
        id="rate",
        expression=RATE_EXPRESSION,
        label=f"{error_metric} rate",
        metrics={
            "errors": Metric(NAMESPACE, error_metric, dimensions),
            "requests": Metric(NAMESPACE, "Count", dimensions),
        },
    )


def api_alarm_specs(
    *, api_name: pulumi.Input[str], stage_name: pulumi.Input[str]
) -> list[AlarmSpec]:
    """The table: the 5XX rate pages; the 4XX rate and p99 latency open a ticket."""
    dimensions: dict[str, pulumi.Input[str]] = {"ApiName": api_name, "Stage": stage_name}
    rate: dict[str, Any] = {
        "subject": "API",
        "statistic": "Sum",
        "period_seconds": RATE_PERIOD_SECONDS,
        "evaluation_periods": 5,
        "datapoints_to_alarm": 3,
        "comparison": Comparison.GREATER,
        "unit": Unit.RATIO,
        "missing_data": MissingData.NOT_BREACHING,
    }
    return [
        AlarmSpec(
            key="5xx-rate",
            slug="api-5xx-rate",
            signal=_rate("5XXError", dimensions),
            threshold=SERVER_ERROR_RATE_THRESHOLD,
            severity=Severity.PAGE,
            meaning="requests answered with server errors: handler failures or a dependency down.",
            **rate,
        ),
        AlarmSpec(
            key="4xx-rate",
            slug="api-4xx-rate",
            signal=_rate("4XXError", dimensions),
            threshold=CLIENT_ERROR_RATE_THRESHOLD,
            severity=Severity.TICKET,
            meaning="requests answered with client errors: a broken client, a lost API key, "
            "or probing.",
            **rate,
        ),
        AlarmSpec(
            key="latency-p99",
            slug="api-latency-p99",
            subject="API",
            signal=Metric(NAMESPACE, "Latency", dimensions),
            statistic="p99",
            period_seconds=LATENCY_PERIOD_SECONDS,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            comparison=Comparison.GREATER,
            threshold=LATENCY_P99_THRESHOLD_MS,
            unit=Unit.MILLISECONDS,
            missing_data=MissingData.NOT_BREACHING,
            severity=Severity.TICKET,
            meaning="slow answers; the handler's duration graph shows whether it is the function.",
        ),
    ]


def api_widgets(
    *,
    api_name: pulumi.Input[str],
    stage_name: pulumi.Input[str],
    namespace: str,
    region: str,
) -> list[dict[str, Any]]:
    """Error rates and p99 latency with the alarms' thresholds, and the request counts."""
    specs = api_alarm_specs(api_name=api_name, stage_name=stage_name)
    # The handler's one request metric, a line per route and status label.
    route_dimensions = ",".join(contract.ROUTE_METRIC_DIMENSIONS)
    route_search = (
        f'SEARCH(\'{{"{namespace}",{route_dimensions}}} '
        f"MetricName=\"{contract.ROUTE_METRIC}\"', 'Sum', {RATE_PERIOD_SECONDS})"
    )

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

    return [
        metric_widget(
            "API: error rates",
            [*rate("5XXError", "5XX rate"), *rate("4XXError", "4XX rate")],
            region=region,
            stat="Sum",
            period=RATE_PERIOD_SECONDS,
            thresholds=alarm_thresholds(specs, "5xx-rate", "4xx-rate"),
        ),
        metric_widget(
            "API: p99 latency",
            [metric("Latency")],
            region=region,
            stat="p99",
            period=LATENCY_PERIOD_SECONDS,
            thresholds=alarm_thresholds(specs, "latency-p99"),
        ),
        metric_widget(
            "API: requests and errors",
            [
                metric("Count"),
                metric("5XXError"),
                metric("4XXError"),
                [{"expression": route_search, "label": "handler", "id": "routes"}],
            ],
            region=region,
            stat="Sum",
            period=RATE_PERIOD_SECONDS,
        ),
    ]
