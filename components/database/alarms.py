"""The database's alarm table, thresholds derived from its class and storage, and its widgets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from ..lib.alarms import (
    AlarmSpec,
    Comparison,
    Metric,
    MissingData,
    Severity,
    Unit,
    format_quantity,
)
from ..lib.instance_classes import InstanceClass
from ..lib.widgets import alarm_thresholds, metric_widget

GB = 1024**3
PERIOD_SECONDS = 300
PERIODS = 3
# The relative thresholds are shares of what the class or the storage provides.
CPU_PERCENT = 80.0
FREE_STORAGE_SHARE = 0.10
FREEABLE_MEMORY_SHARE = 0.10
CONNECTIONS_SHARE = 0.80
READ_LATENCY_SECONDS = 0.020
WRITE_LATENCY_SECONDS = 0.050
# RDS publishes CPUUtilization every minute while the instance runs; a stopped, failed or
# deleted instance publishes nothing. Three empty 5-minute periods outlast a reboot or a
# Multi-AZ failover (one to two minutes) but not an outage.
AVAILABILITY_METRIC = "CPUUtilization"
AVAILABILITY_PERIODS = 3


@dataclass(frozen=True)
class DatabaseThresholds:
    """The alarm thresholds for one database, in the units CloudWatch reports."""

    cpu_percent: float
    free_storage_bytes: float
    freeable_memory_bytes: float
    connections: float
    read_latency_seconds: float
    write_latency_seconds: float


def thresholds_for(instance_class: InstanceClass, allocated_storage_gb: int) -> DatabaseThresholds:
    """Thresholds derived from the instance class and the allocated storage.

    RDS publishes no allocated-storage metric, so the storage threshold is a fixed number of
    bytes: 10 % of the configured allocation (after autoscaling grows the volume, the alarm
    means "autoscaling is not keeping up").
    """
    return DatabaseThresholds(
        cpu_percent=CPU_PERCENT,
        free_storage_bytes=FREE_STORAGE_SHARE * allocated_storage_gb * GB,
        freeable_memory_bytes=FREEABLE_MEMORY_SHARE * instance_class.memory_bytes,
        connections=float(int(CONNECTIONS_SHARE * instance_class.max_connections)),
        read_latency_seconds=READ_LATENCY_SECONDS,
        write_latency_seconds=WRITE_LATENCY_SECONDS,
    )


def database_alarm_specs(
    *,
    db_name: str,
    identifier: pulumi.Input[str],
    instance_class: InstanceClass,
    allocated_storage_gb: int,
) -> list[AlarmSpec]:
    """The table: CPU and free storage page; memory, connections and latency open a ticket;
    the instance going silent pages."""
    limits = thresholds_for(instance_class, allocated_storage_gb)
    memory = format_quantity(instance_class.memory_bytes, Unit.BYTES)

    def spec(
        slug: str,
        metric: str,
        statistic: str,
        comparison: Comparison,
        threshold: float,
        **rest: Any,
    ) -> AlarmSpec:
        return AlarmSpec(
            key=slug,
            slug=slug,
            subject=f"PostgreSQL {db_name}",
            signal=Metric("AWS/RDS", metric, {"DBInstanceIdentifier": identifier}),
            statistic=statistic,
            period_seconds=PERIOD_SECONDS,
            evaluation_periods=rest.pop("periods", PERIODS),
            comparison=comparison,
            threshold=threshold,
            missing_data=rest.pop("missing_data", MissingData.MISSING),
            **rest,
        )

    return [
        spec(
            "db-cpu",
            "CPUUtilization",
            "Average",
            Comparison.GREATER,
            limits.cpu_percent,
            unit=Unit.PERCENT,
            severity=Severity.PAGE,
            meaning="queries queue behind the processor; Performance Insights shows which.",
        ),
        spec(
            "db-free-storage",
            "FreeStorageSpace",
            "Minimum",
            Comparison.LESS,
            limits.free_storage_bytes,
            unit=Unit.BYTES,
            basis=f"{FREE_STORAGE_SHARE:.0%} of the allocated {allocated_storage_gb} GiB",
            severity=Severity.PAGE,
            meaning="storage autoscaling is lagging or capped; a full volume stops writes.",
        ),
        spec(
            "db-freeable-memory",
            "FreeableMemory",
            "Average",
            Comparison.LESS,
            limits.freeable_memory_bytes,
            unit=Unit.BYTES,
            basis=f"{FREEABLE_MEMORY_SHARE:.0%} of the {memory} of {instance_class.name}",
            severity=Severity.TICKET,
            meaning="swapping follows; consider a larger class.",
        ),
        spec(
            "db-connections",
            "DatabaseConnections",
            "Maximum",
            Comparison.GREATER,
            limits.connections,
            unit=Unit.COUNT,
            basis=(
                f"{CONNECTIONS_SHARE:.0%} of max_connections "
                f"{instance_class.max_connections} for {instance_class.name}"
            ),
            severity=Severity.TICKET,
            meaning="new connections will soon be refused; look for leaked connections.",
        ),
        spec(
            "db-read-latency",
            "ReadLatency",
            "Average",
            Comparison.GREATER,
            limits.read_latency_seconds,
            unit=Unit.SECONDS,
            severity=Severity.TICKET,
            meaning="storage reads are slow (IOPS or throughput limit of the volume).",
        ),
        spec(
            "db-write-latency",
            "WriteLatency",
            "Average",
            Comparison.GREATER,
            limits.write_latency_seconds,
            unit=Unit.SECONDS,
            severity=Severity.TICKET,
            meaning="storage writes are slow (IOPS or throughput limit of the volume).",
        ),
        spec(
            "db-unavailable",
            AVAILABILITY_METRIC,
            "SampleCount",
            Comparison.LESS,
            1,
            periods=AVAILABILITY_PERIODS,
            missing_data=MissingData.BREACHING,
            unit=Unit.COUNT,
            severity=Severity.PAGE,
            meaning=(
                "RDS reports this metric every minute while the instance runs, so the instance "
                "is stopped, failed, being replaced or deleted."
            ),
        ),
    ]


def database_widgets(specs: list[AlarmSpec], region: str) -> list[dict[str, Any]]:
    """One graph per alarm of the table, the alarm's threshold drawn on it."""
    widgets = []
    for spec in specs:
        if not isinstance(spec.signal, Metric):
            continue
        metric = spec.signal
        title = (
            f"{metric.name} samples (instance reporting)"
            if spec.statistic == "SampleCount"
            else f"{metric.name} ({spec.statistic})"
        )
        dimensions = [part for pair in metric.dimensions.items() for part in pair]
        widgets.append(
            metric_widget(
                title,
                [[metric.namespace, metric.name, *dimensions]],
                region=region,
                stat=spec.statistic,
                period=spec.period_seconds,
                thresholds=alarm_thresholds(specs, spec.key),
            )
        )
    return widgets
