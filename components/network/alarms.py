"""The network's alarm table (rejected packets from the flow logs) and its dashboard widget."""

from __future__ import annotations

from typing import Any

from ..lib.alarms import AlarmSpec, Comparison, Metric, MissingData, Severity, Unit
from ..lib.widgets import alarm_thresholds, metric_widget

REJECTED_PACKETS_METRIC = "VpcRejectedPackets"
REJECTED_PACKETS_THRESHOLD = 100
PERIOD_SECONDS = 300


def network_alarm_specs(namespace: str) -> list[AlarmSpec]:
    """Rejected packets per period, from the flow logs' metric filter in ``namespace``."""
    return [
        AlarmSpec(
            key="rejected-packets-alarm",
            slug="vpc-rejected-packets",
            subject="VPC",
            signal=Metric(namespace, REJECTED_PACKETS_METRIC),
            statistic="Sum",
            period_seconds=PERIOD_SECONDS,
            evaluation_periods=2,
            comparison=Comparison.GREATER,
            threshold=REJECTED_PACKETS_THRESHOLD,
            unit=Unit.COUNT,
            missing_data=MissingData.NOT_BREACHING,
            severity=Severity.TICKET,
            meaning=(
                "packets rejected: a security group or endpoint is missing, or something is "
                "probing. The flow-log group shows source and destination."
            ),
        )
    ]


def network_widgets(namespace: str, region: str) -> list[dict[str, Any]]:
    """The rejected-packets graph with the alarm's threshold drawn."""
    specs = network_alarm_specs(namespace)
    (spec,) = specs
    return [
        metric_widget(
            "Rejected packets (VPC flow logs)",
            [[namespace, REJECTED_PACKETS_METRIC]],
            region=region,
            stat="Sum",
            period=spec.period_seconds,
            thresholds=alarm_thresholds(specs, spec.key),
        )
    ]
