"""The alarm table and dashboard widgets every Lambda function of the stack gets."""

from __future__ import annotations

from typing import Any

import pulumi

from .alarms import AlarmSpec, Comparison, Metric, MissingData, Severity, Unit, format_quantity
from .widgets import alarm_thresholds, metric_widget

# A run slower than this share of the timeout is about to be killed: alarm before it is.
DURATION_ALARM_FRACTION = 0.8
ALARM_PERIOD_SECONDS = 300


def duration_threshold_ms(timeout_seconds: int) -> float:
    """The duration alarm's threshold: ``DURATION_ALARM_FRACTION`` of the function's timeout, in
    milliseconds."""
    return timeout_seconds * 1000 * DURATION_ALARM_FRACTION


def function_alarm_specs(
    *,
    slug: str,
    label: str,
    function_name: pulumi.Input[str],
    timeout_seconds: int,
    errors_page: bool,
) -> list[AlarmSpec]:
    """Errors (paging when ``errors_page``), throttles, and duration near the timeout."""

    def spec(key: str, metric: str, statistic: str, **rest: Any) -> AlarmSpec:
        return AlarmSpec(
            key=key,
            slug=f"{slug}-{key}",
            subject=label,
            signal=Metric("AWS/Lambda", metric, {"FunctionName": function_name}),
            statistic=statistic,
            period_seconds=ALARM_PERIOD_SECONDS,
            evaluation_periods=1,
            comparison=Comparison.GREATER,
            missing_data=MissingData.NOT_BREACHING,
            **rest,
        )

    return [
        spec(
            "errors",
            "Errors",
            "Sum",
            threshold=0,
            unit=Unit.COUNT,
            severity=Severity.PAGE if errors_page else Severity.TICKET,
            meaning="invocations failed (unhandled exception or timeout); the log group has them.",
        ),
        spec(
            "throttles",
            "Throttles",
            "Sum",
            threshold=0,
            unit=Unit.COUNT,
            severity=Severity.TICKET,
            meaning="invocations throttled (concurrency exhausted).",
        ),
        spec(
            "duration",
            "Duration",
            "Maximum",
            threshold=duration_threshold_ms(timeout_seconds),
            unit=Unit.MILLISECONDS,
            basis=(
                f"{DURATION_ALARM_FRACTION:.0%} of its "
                f"{format_quantity(timeout_seconds, Unit.SECONDS)} timeout"
            ),
            severity=Severity.TICKET,
            meaning="an invocation came close to being killed by its timeout.",
        ),
    ]


def function_widgets(
    label: str, timeout_seconds: int, function_name: pulumi.Input[str], *, region: str
) -> list[dict[str, Any]]:
    """Invocations/errors/throttles and duration of one function, thresholds drawn."""
    specs = function_alarm_specs(
        slug="function",
        label=label,
        function_name=function_name,
        timeout_seconds=timeout_seconds,
        errors_page=False,
    )

    def metric(name: str) -> list[pulumi.Input[Any]]:
        return ["AWS/Lambda", name, "FunctionName", function_name]

    return [
        metric_widget(
            f"{label}: invocations, errors, throttles",
            [metric("Invocations"), metric("Errors"), metric("Throttles")],
            region=region,
            stat="Sum",
            period=ALARM_PERIOD_SECONDS,
            thresholds=alarm_thresholds(specs, "errors", "throttles"),
        ),
        metric_widget(
            f"{label}: duration (max)",
            [metric("Duration")],
            region=region,
            stat="Maximum",
            period=ALARM_PERIOD_SECONDS,
            thresholds=alarm_thresholds(specs, "duration"),
        ),
    ]
