"""EMF lines (as Powertools prints them) become the PutMetricData calls CloudWatch Logs makes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from tools.local.emf import parse_emf


def _powertools_line() -> str:
    metrics = Metrics(namespace="cw-analytics/test", service="api")
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=2)
    metrics.add_dimension(name="route", value="/health")
    line = json.dumps(metrics.serialize_metric_set())
    metrics.clear_metrics()
    return line


def test_emf_powertools_line_gives_one_datum_per_value() -> None:
    puts = parse_emf(_powertools_line())
    assert len(puts) == 1, puts
    assert puts[0].namespace == "cw-analytics/test"
    assert sorted(d["Value"] for d in puts[0].metric_data) == [1.0, 2.0]


def test_emf_dimensions_take_their_values_from_the_document() -> None:
    datum = parse_emf(_powertools_line())[0].metric_data[0]
    assert sorted((d["Name"], d["Value"]) for d in datum["Dimensions"]) == [
        ("route", "/health"),
        ("service", "api"),
    ]


def test_emf_timestamp_is_the_documents_milliseconds() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1_700_000_000_123,
                "CloudWatchMetrics": [
                    {"Namespace": "n", "Dimensions": [[]], "Metrics": [{"Name": "M"}]}
                ],
            },
            "M": 5,
        }
    )
    datum = parse_emf(line)[0].metric_data[0]
    assert datum["Timestamp"] == datetime.fromtimestamp(1_700_000_000.123, tz=UTC)


def test_emf_dimension_set_with_a_missing_value_is_dropped() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 0,
                "CloudWatchMetrics": [
                    {"Namespace": "n", "Dimensions": [["absent"]], "Metrics": [{"Name": "M"}]}
                ],
            },
            "M": 1,
        }
    )
    assert parse_emf(line) == []


def test_emf_plain_log_lines_are_not_metrics() -> None:
    for line in ('{"level":"INFO","message":"request handled"}', "START RequestId", "{not json"):
        assert parse_emf(line) == [], line


def test_emf_non_numeric_values_are_skipped() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 0,
                "CloudWatchMetrics": [
                    {"Namespace": "n", "Dimensions": [[]], "Metrics": [{"Name": "M"}]}
                ],
            },
            "M": ["x", True, 3],
        }
    )
    assert [d["Value"] for d in parse_emf(line)[0].metric_data] == [3.0]
