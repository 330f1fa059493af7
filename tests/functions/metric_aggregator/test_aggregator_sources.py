"""METRIC_SOURCES schema v1: round trip, compactness, strict validation naming the field."""

from __future__ import annotations

import json

import pytest
from aggregator.sources import (
    MetricSources,
    SourcesError,
    encode_metric_sources,
    parse_metric_sources,
)

VALID = {
    "v": 1,
    "api": {"name": "cw-analytics-dev-api", "stage": "v1"},
    "functions": ["cw-analytics-dev-api-handler", "cw-analytics-dev-aggregator"],
    "db": "cw-analytics-dev-db",
    "table": "cw-analytics-dev-metrics",
    "namespace": "cw-analytics/dev",
}


def _with(**changes: object) -> str:
    data = json.loads(json.dumps(VALID))
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


def test_parse_metric_sources_reads_every_field() -> None:
    sources = parse_metric_sources(json.dumps(VALID))
    assert sources == MetricSources(
        api_name="cw-analytics-dev-api",
        api_stage="v1",
        functions=("cw-analytics-dev-api-handler", "cw-analytics-dev-aggregator"),
        db="cw-analytics-dev-db",
        table="cw-analytics-dev-metrics",
        namespace="cw-analytics/dev",
    )


def test_to_env_is_compact_json_that_parses_back() -> None:
    sources = parse_metric_sources(json.dumps(VALID))
    text = sources.to_env()
    assert text == json.dumps(VALID, separators=(",", ":"))
    assert " " not in text
    assert parse_metric_sources(text) == sources


def test_encode_metric_sources_equals_to_env() -> None:
    text = encode_metric_sources(
        api_name="a", api_stage="v1", functions=["f1", "f2"], db="d", table="t", namespace="n/s"
    )
    assert text == (
        '{"v":1,"api":{"name":"a","stage":"v1"},"functions":["f1","f2"],'
        '"db":"d","table":"t","namespace":"n/s"}'
    )


def test_encode_metric_sources_long_names_stay_well_under_4kb() -> None:
    long = "x" * 64
    text = encode_metric_sources(
        api_name=long,
        api_stage="v1",
        functions=[long, long + "2"],
        db=long[:63],
        table=long,
        namespace="cw-analytics/" + "y" * 60,
    )
    assert len(text.encode()) < 1024


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_with(db=None), "missing field.*db"),
        (_with(extra="x"), "unknown field.*extra"),
        (_with(v=2), "^v must be 1"),
        (_with(v=True), "^v must be 1"),
        (_with(api={"name": "a"}), "api is missing field.*stage"),
        (_with(api={"name": "has space", "stage": "v1"}), "^api.name"),
        (_with(functions=[]), "^functions must name at least one"),
        (_with(functions="fn"), "^functions must be a list"),
        (_with(functions=["ok", "bad/name"]), r"^functions\[1\]"),
        (_with(functions=["dup", "dup"]), "^functions must not repeat"),
        (_with(table=5), "^table 5"),
        (_with(namespace="AWS/Lambda"), "^namespace 'AWS/Lambda' must not start"),
        (_with(namespace="has space"), "^namespace 'has space' must match"),
        ("[]", "must be a JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_parse_metric_sources_rejects_with_the_field_named(text: str, field: str) -> None:
    with pytest.raises(SourcesError, match=field):
        parse_metric_sources(text)
