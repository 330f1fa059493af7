"""The query catalogue, query ids and the aligned window."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from aggregator import queries as catalogue
from aggregator.queries import MAX_QUERIES_PER_CALL, aligned_window, build_queries
from analytics_contract.routes import ROUTE_LABELS, ROUTE_METRIC, STATUS_LABELS
from analytics_contract.sources import MetricSources

QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


def _by_series(sources: MetricSources) -> dict[str, dict]:
    return {q.series_id: q.to_api() for q in build_queries(sources, 60)}


def test_build_queries_ids_are_unique_and_valid(sources: MetricSources) -> None:
    queries = build_queries(sources, 60)
    ids = [q.query_id for q in queries]
    assert len(set(ids)) == len(ids)
    assert all(QUERY_ID.match(i) for i in ids), ids
    assert len({q.series_id for q in queries}) == len(queries)


def test_build_queries_series_ids_have_no_slashes(sources: MetricSources) -> None:
    assert not [s for s in _by_series(sources) if "/" in s]


def test_build_queries_covers_the_catalogue(sources: MetricSources) -> None:
    series = set(_by_series(sources))
    api, fn, db, table = (
        "cw-analytics-test-api",
        "cw-analytics-test-api-handler",
        ("cw-analytics-test-db"),
        sources.table,
    )
    expected = {
        f"apigw.{api}.Count.Sum",
        f"apigw.{api}.4XXError.Sum",
        f"apigw.{api}.5XXError.Sum",
        f"apigw.{api}.Latency.Average",
        f"apigw.{api}.Latency.p99",
        f"lambda.{fn}.Invocations.Sum",
        f"lambda.{fn}.Errors.Sum",
        f"lambda.{fn}.Throttles.Sum",
        f"lambda.{fn}.Duration.Average",
        f"lambda.{fn}.Duration.p99",
        "lambda.cw-analytics-test-aggregator.Duration.p99",
        f"rds.{db}.CPUUtilization.Average",
        f"rds.{db}.FreeStorageSpace.Minimum",
        f"rds.{db}.FreeableMemory.Minimum",
        f"rds.{db}.DatabaseConnections.Maximum",
        f"rds.{db}.ReadLatency.Average",
        f"rds.{db}.WriteLatency.Average",
        f"dynamodb.{table}.ConsumedReadCapacityUnits.Sum",
        f"dynamodb.{table}.ConsumedWriteCapacityUnits.Sum",
        f"dynamodb.{table}.ThrottledRequests-BatchWriteItem.Sum",
        f"dynamodb.{table}.SystemErrors-Query.Sum",
        f"dynamodb.{table}.SystemErrors-PutItem.Sum",
        "custom.api.RouteRequests-events-2xx.Sum",
        "custom.api.RouteRequests-metrics-series-4xx.Sum",
        "custom.api.RouteRequests-events-summary-503.Sum",
        "custom.api.RouteRequests-health-500.Sum",
        "custom.api.RouteRequests-metrics-5xx.Sum",
        "custom.api.RouteRequests-unmatched-4xx.Sum",
        "custom.aggregator.AggregatorHeartbeat.Sum",
    }
    assert expected <= series, sorted(expected - series)
    # 5 API + 5 per function (2) + 6 RDS + 2 table + 2 per operation (4) + heartbeat
    # + RouteRequests per route label (5 paths and unmatched) and status label (6)
    assert len(series) == 5 + 10 + 6 + 2 + 8 + 1 + len(ROUTE_LABELS) * len(STATUS_LABELS)


def test_build_queries_retired_request_metrics_are_gone(sources: MetricSources) -> None:
    """The handler no longer writes Requests/Errors: querying them would copy nothing."""
    metrics = {q.metric for q in build_queries(sources, 60) if q.namespace == sources.namespace}
    assert metrics == {ROUTE_METRIC, "AggregatorHeartbeat"}


def test_build_queries_asks_for_every_route_and_status_label(sources: MetricSources) -> None:
    """GetMetricData matches dimensions exactly: each (route, status) label pair is a query."""
    asked: dict[str, set[str]] = {}
    for query in build_queries(sources, 60):
        if query.metric == ROUTE_METRIC:
            dims = dict(query.dimensions)
            assert dims["service"] == "api", query
            asked.setdefault(dims["route"], set()).add(dims["status"])
    assert asked == {route: set(STATUS_LABELS) for route in ROUTE_LABELS}


def test_build_queries_route_series_metric_part_is_slug_then_label(
    sources: MetricSources,
) -> None:
    query = _by_series(sources)["custom.api.RouteRequests-metrics-series-503.Sum"]
    assert query["MetricStat"]["Metric"] == {
        "Namespace": sources.namespace,
        "MetricName": "RouteRequests",
        "Dimensions": [
            {"Name": "service", "Value": "api"},
            {"Name": "route", "Value": "/metrics/{series}"},
            {"Name": "status", "Value": "503"},
        ],
    }
    assert query["MetricStat"]["Stat"] == "Sum"


def test_build_queries_fit_one_get_metric_data_call(sources: MetricSources) -> None:
    """The stack's two functions: every query in one call (GetMetricData takes 500)."""
    assert len(build_queries(sources, 60)) <= MAX_QUERIES_PER_CALL


def test_build_queries_refuses_two_routes_with_one_series(
    sources: MetricSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/a/b`` and ``/a-b`` have one slug: their counts would overwrite each other's items."""
    monkeypatch.setattr(catalogue, "ROUTE_LABELS", ("/a/b", "/a-b"))
    with pytest.raises(ValueError, match="RouteRequests-a-b-2xx.Sum' is built by two queries"):
        build_queries(sources, 60)


def test_build_queries_dynamodb_operation_metrics_carry_the_operation_dimension(
    sources: MetricSources,
) -> None:
    query = _by_series(sources)[f"dynamodb.{sources.table}.ThrottledRequests-Query.Sum"]
    metric = query["MetricStat"]["Metric"]
    assert metric["Namespace"] == "AWS/DynamoDB"
    assert metric["MetricName"] == "ThrottledRequests"
    assert metric["Dimensions"] == [
        {"Name": "TableName", "Value": sources.table},
        {"Name": "Operation", "Value": "Query"},
    ]


def test_build_queries_custom_metrics_use_the_namespace_and_service_dimension(
    sources: MetricSources,
) -> None:
    query = _by_series(sources)["custom.aggregator.AggregatorHeartbeat.Sum"]
    assert query["MetricStat"]["Metric"] == {
        "Namespace": sources.namespace,
        "MetricName": "AggregatorHeartbeat",
        "Dimensions": [{"Name": "service", "Value": "aggregator"}],
    }
    assert query["MetricStat"]["Stat"] == "Sum"
    assert query["MetricStat"]["Period"] == 60


def test_build_queries_rejects_a_period_cloudwatch_refuses(sources: MetricSources) -> None:
    with pytest.raises(ValueError, match="PERIOD_SECONDS 90"):
        build_queries(sources, 90)


def test_aligned_window_ends_at_the_current_period_start() -> None:
    now = datetime(2026, 11, 28, 12, 7, 42, tzinfo=UTC).timestamp()
    window = aligned_window(now, 15, 60)
    assert window.end == datetime(2026, 11, 28, 12, 7, tzinfo=UTC)
    assert window.start == datetime(2026, 11, 28, 11, 52, tzinfo=UTC)


def test_aligned_window_is_stable_within_a_period() -> None:
    base = datetime(2026, 11, 28, 12, 5, tzinfo=UTC).timestamp()
    assert aligned_window(base, 15, 300) == aligned_window(base + 299, 15, 300)


def test_aligned_window_rounds_lookback_up_to_whole_periods() -> None:
    now = datetime(2026, 11, 28, 12, 10, tzinfo=UTC).timestamp()
    window = aligned_window(now, 7, 300)
    assert (window.end - window.start).total_seconds() == 600


def test_build_queries_copies_the_operations_the_alarms_sum(sources: MetricSources) -> None:
    from analytics_contract.metrics import DYNAMODB_OPERATIONS

    operations = {
        value
        for query in build_queries(sources, 60)
        for name, value in query.dimensions
        if name == "Operation"
    }
    assert operations == set(DYNAMODB_OPERATIONS)
