"""The query catalogue: which CloudWatch metrics each watched resource contributes.

Series ids follow ``analytics_contract.series`` (``<source>.<resource>.<metric>.<stat>``);
DynamoDB's SystemErrors and ThrottledRequests only exist per ``Operation``, so their metric part
is ``<Metric>-<Operation>`` (e.g. ``dynamodb.<table>.ThrottledRequests-BatchWriteItem.Sum``).
The API handler's ``RouteRequests`` exists per route and status label, so its metric part is
``RouteRequests-<route slug>-<status label>`` (e.g. ``custom.api.RouteRequests-events-2xx.Sum``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analytics_contract.metrics import AGGREGATOR_SERVICE, DYNAMODB_OPERATIONS, HEARTBEAT_METRIC
from analytics_contract.routes import (
    API_SERVICE,
    ROUTE_LABELS,
    ROUTE_METRIC,
    STATUS_LABELS,
    route_label_slug,
    route_metric_dimensions,
)
from analytics_contract.series import series_id
from analytics_contract.sources import MetricSources

MAX_QUERIES_PER_CALL = 500
# GetMetricData accepts these periods for high-resolution metrics, otherwise multiples of 60.
_HIGH_RES_PERIODS = frozenset({1, 5, 10, 20, 30})


@dataclass(frozen=True)
class CatalogueEntry:
    """One metric and statistic, independent of the resource it is asked for."""

    metric: str
    stat: str
    unit: str | None


@dataclass(frozen=True)
class MetricQuery:
    """One GetMetricData query and the series its datapoints belong to."""

    query_id: str
    """GetMetricData ``Id``: ``^[a-z][a-zA-Z0-9_]*$``, unique within a run."""
    series_id: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    unit: str | None
    period: int

    def to_api(self) -> dict[str, Any]:
        """The ``MetricDataQueries`` element."""
        return {
            "Id": self.query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": self.period,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }


API_GATEWAY = (
    CatalogueEntry("Count", "Sum", "Count"),
    CatalogueEntry("4XXError", "Sum", "Count"),
    CatalogueEntry("5XXError", "Sum", "Count"),
    CatalogueEntry("Latency", "Average", "Milliseconds"),
    CatalogueEntry("Latency", "p99", "Milliseconds"),
)
LAMBDA = (
    CatalogueEntry("Invocations", "Sum", "Count"),
    CatalogueEntry("Errors", "Sum", "Count"),
    CatalogueEntry("Throttles", "Sum", "Count"),
    CatalogueEntry("Duration", "Average", "Milliseconds"),
    CatalogueEntry("Duration", "p99", "Milliseconds"),
)
RDS = (
    CatalogueEntry("CPUUtilization", "Average", "Percent"),
    CatalogueEntry("FreeStorageSpace", "Minimum", "Bytes"),
    CatalogueEntry("FreeableMemory", "Minimum", "Bytes"),
    CatalogueEntry("DatabaseConnections", "Maximum", "Count"),
    CatalogueEntry("ReadLatency", "Average", "Seconds"),
    CatalogueEntry("WriteLatency", "Average", "Seconds"),
)
DYNAMODB_TABLE = (
    CatalogueEntry("ConsumedReadCapacityUnits", "Sum", "Count"),
    CatalogueEntry("ConsumedWriteCapacityUnits", "Sum", "Count"),
)
DYNAMODB_OPERATION = (
    CatalogueEntry("SystemErrors", "Sum", "Count"),
    CatalogueEntry("ThrottledRequests", "Sum", "Count"),
)
CUSTOM = {
    AGGREGATOR_SERVICE: (CatalogueEntry(HEARTBEAT_METRIC, "Sum", "Count"),),
}
"""The functions' own metrics whose only dimension is ``service``."""
ROUTE_REQUESTS = (CatalogueEntry(ROUTE_METRIC, "Sum", "Count"),)
"""The API handler's request count, asked for once per route label and status label."""


@dataclass(frozen=True)
class Window:
    """The [start, end) interval queried, both aligned to the period."""

    start: datetime
    end: datetime


def check_period(period: int) -> int:
    """Return ``period`` if GetMetricData accepts it, else raise ValueError."""
    if period in _HIGH_RES_PERIODS or (period >= 60 and period % 60 == 0):
        return period
    raise ValueError(f"PERIOD_SECONDS {period} must be 1, 5, 10, 20, 30 or a multiple of 60")


def aligned_window(now: float, lookback_minutes: int, period: int) -> Window:
    """The last ``lookback_minutes`` of complete periods before ``now`` (epoch seconds).

    The end is the start of the current (incomplete) period, so the same ``now`` within one period
    always yields the same window and a re-run overwrites the same items.
    """
    check_period(period)
    if lookback_minutes <= 0:
        raise ValueError(f"LOOKBACK_MINUTES {lookback_minutes} must be > 0")
    end = int(now) // period * period
    periods = max(1, math.ceil(lookback_minutes * 60 / period))
    start = end - periods * period
    return Window(
        start=datetime.fromtimestamp(start, tz=UTC), end=datetime.fromtimestamp(end, tz=UTC)
    )


def build_queries(sources: MetricSources, period: int) -> list[MetricQuery]:
    """Every query of the catalogue for the watched resources, with unique ids ``q0``, ``q1``…"""
    check_period(period)
    specs: list[tuple[str, str, str, tuple[tuple[str, str], ...], CatalogueEntry, str]] = []

    def add(
        source: str,
        *,
        resource: str,
        namespace: str,
        dims: tuple[tuple[str, str], ...],
        entries: tuple[CatalogueEntry, ...],
        suffix: str = "",
    ) -> None:
        for entry in entries:
            specs.append((source, resource, namespace, dims, entry, suffix))

    add(
        "apigw",
        resource=sources.api_name,
        namespace="AWS/ApiGateway",
        dims=(("ApiName", sources.api_name), ("Stage", sources.api_stage)),
        entries=API_GATEWAY,
    )
    for function in sources.functions:
        add(
            "lambda",
            resource=function,
            namespace="AWS/Lambda",
            dims=(("FunctionName", function),),
            entries=LAMBDA,
        )
    add(
        "rds",
        resource=sources.db,
        namespace="AWS/RDS",
        dims=(("DBInstanceIdentifier", sources.db),),
        entries=RDS,
    )
    table_dims = (("TableName", sources.table),)
    add(
        "dynamodb",
        resource=sources.table,
        namespace="AWS/DynamoDB",
        dims=table_dims,
        entries=DYNAMODB_TABLE,
    )
    for operation in DYNAMODB_OPERATIONS:
        add(
            "dynamodb",
            resource=sources.table,
            namespace="AWS/DynamoDB",
            dims=(*table_dims, ("Operation", operation)),
            entries=DYNAMODB_OPERATION,
            suffix=f"-{operation}",
        )
    for service, entries in CUSTOM.items():
        add(
            "custom",
            resource=service,
            namespace=sources.namespace,
            dims=(("service", service),),
            entries=entries,
        )
    # GetMetricData matches dimensions exactly: every (route, status) pair is its own query.
    for route in ROUTE_LABELS:
        for status in STATUS_LABELS:
            add(
                "custom",
                resource=API_SERVICE,
                namespace=sources.namespace,
                dims=route_metric_dimensions(route, status),
                entries=ROUTE_REQUESTS,
                suffix=f"-{route_label_slug(route)}-{status}",
            )

    queries = []
    for index, (source, resource, namespace, dims, entry, suffix) in enumerate(specs):
        queries.append(
            MetricQuery(
                query_id=f"q{index}",
                series_id=series_id(source, resource, f"{entry.metric}{suffix}", entry.stat),
                namespace=namespace,
                metric=entry.metric,
                dimensions=dims,
                stat=entry.stat,
                unit=entry.unit,
                period=period,
            )
        )
    seen: set[str] = set()
    for query in queries:
        # Two queries writing one series would overwrite each other's datapoints unnoticed.
        if query.series_id in seen:
            raise ValueError(f"series id {query.series_id!r} is built by two queries")
        seen.add(query.series_id)
    return queries
