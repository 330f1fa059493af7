"""The aggregator and the API agree on the metrics table: what one writes, the other reads.

Items come from the aggregator's own code, go into a moto table, and are read back with the API
handler's own ``metrics_store`` (imported from ``functions/api_handler``, as its archive has it).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from aggregator.fetch import Datapoint
from aggregator.items import to_items
from aggregator.queries import build_queries
from aggregator.retry import Deadline
from aggregator.writer import write_items
from analytics_contract import series as contract
from analytics_contract.routes import (
    ROUTE_LABELS,
    ROUTE_METRIC,
    STATUS_LABELS,
    route_metric_dimensions,
    status_label,
)
from analytics_contract.sources import MetricSources

from .helpers import FUNCTION_DIR, TABLE, FakeClock

API_DIR = FUNCTION_DIR.parent / "api_handler"
TS = 1_764_331_200
NOW = TS + 600


@pytest.fixture(scope="module")
def store() -> Any:
    """The API handler's metrics_store module."""
    if str(API_DIR) not in sys.path:
        sys.path.append(str(API_DIR))
    from api import metrics_store

    return metrics_store


def _longest_sources() -> MetricSources:
    name = "n" * 128
    return MetricSources(
        api_name=name,
        api_stage=name,
        functions=(name,),
        db=name,
        table=name,
        namespace="cw-analytics/" + "x" * 200,
    )


def test_contract_every_series_id_the_aggregator_can_build_is_one_the_api_accepts(
    store: Any,
) -> None:
    from api.validation import SERIES_ID_RE

    for query in build_queries(_longest_sources(), 60):
        assert SERIES_ID_RE.fullmatch(query.series_id), f"API rejects {query.series_id!r}"


def test_contract_every_route_series_id_is_one_the_api_accepts(
    store: Any, sources: MetricSources
) -> None:
    """The route slug and status label inside the id: the API must serve each such series."""
    from api.validation import validate_series_id

    route_series = [q.series_id for q in build_queries(sources, 60) if q.metric == ROUTE_METRIC]
    assert len(route_series) == len(ROUTE_LABELS) * len(STATUS_LABELS)
    for series in route_series:
        validate_series_id(series)  # raises the API's 400 error for an id it refuses


def test_contract_every_request_the_handler_counts_is_a_series_the_aggregator_asks_for(
    sources: MetricSources,
) -> None:
    """Any route label with any status code: the dimensions the handler writes are queried."""
    queried = {q.dimensions for q in build_queries(sources, 60) if q.metric == ROUTE_METRIC}
    missing = [
        (route, code)
        for route in ROUTE_LABELS
        for code in range(100, 600)
        if route_metric_dimensions(route, status_label(code)) not in queried
    ]
    assert missing == []


def test_contract_series_pattern_is_the_apis(store: Any) -> None:
    """The API validates series ids with the contract's own compiled pattern, not a copy."""
    from api import validation

    assert validation.SERIES_ID_RE is contract.SERIES_ID_RE
    assert store.SERIES_ID_RE is contract.SERIES_ID_RE


def test_contract_keys_are_the_ones_the_api_builds(store: Any) -> None:
    """The API builds keys with the very functions the aggregator writes with."""
    from aggregator import items

    for name in ("CATALOGUE_PK", "series_pk", "epoch_sk"):
        assert getattr(store, name) is getattr(contract, name), f"api metrics_store.{name}"
        assert getattr(items, name) is getattr(contract, name), f"aggregator items.{name}"


def _write(dynamodb: Any, points: list[Datapoint]) -> None:
    batch = to_items(points, 30)
    write_items(dynamodb, TABLE, batch.items, Deadline.after(60, FakeClock()))


def test_contract_api_reads_the_datapoints_the_aggregator_wrote(
    dynamodb: Any, store: Any, sources: MetricSources
) -> None:
    series = next(q.series_id for q in build_queries(sources, 60) if q.stat == "p99")
    points = [Datapoint(series, TS + 60 * i, 1.5 * i, "p99", "Milliseconds") for i in range(5)]
    _write(dynamodb, points)
    page = store.get_datapoints(
        dynamodb, TABLE, series, start=TS, end=TS + 3600, limit=100, token=None, now=NOW
    )
    assert page is not None, f"API does not find {series}"
    assert [(d["ts"], d["value"], d["stat"], d["unit"]) for d in page["datapoints"]] == [
        (p.ts, p.value, "p99", "Milliseconds") for p in reversed(points)
    ]


def test_contract_api_lists_the_catalogue_the_aggregator_wrote(
    dynamodb: Any, store: Any, sources: MetricSources
) -> None:
    queries = build_queries(sources, 60)[:3]
    points = [
        Datapoint(q.series_id, TS + 60 * i, float(i), q.stat, q.unit)
        for q in queries
        for i in range(2)
    ]
    _write(dynamodb, points)
    listed = store.list_series(dynamodb, TABLE, limit=50, token=None, now=NOW)
    assert {s["series"]: s["latest"] for s in listed["series"]} == {
        q.series_id: {"ts": TS + 60, "value": 1} for q in queries
    }


def test_contract_api_hides_what_the_aggregator_let_expire(
    dynamodb: Any, store: Any, sources: MetricSources
) -> None:
    series = build_queries(sources, 60)[0].series_id
    _write(dynamodb, [Datapoint(series, TS, 1.0, "Sum", "Count")])
    later = TS + 30 * 86400 + 1
    page = store.get_datapoints(
        dynamodb, TABLE, series, start=0, end=later, limit=10, token=None, now=later
    )
    assert page is None, "expired datapoints and catalogue entry must be invisible to the API"
