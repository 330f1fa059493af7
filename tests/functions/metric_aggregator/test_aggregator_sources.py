"""METRIC_SOURCES schema v1: round trip, compactness, strict validation naming the field."""

from __future__ import annotations

import json
import re

import pytest
from analytics_contract.sources import (
    MetricSources,
    SourcesError,
    encode_metric_sources,
    parse_metric_sources,
)
from hypothesis import given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    "field", ["api.name", "api.stage", "functions[0]", "db", "table", "namespace"]
)
def test_parse_metric_sources_rejects_a_trailing_newline(field: str) -> None:
    data = json.loads(json.dumps(VALID))
    if field.startswith("api."):
        data["api"][field[4:]] += "\n"
    elif field == "functions[0]":
        data["functions"][0] += "\n"
    else:
        data[field] += "\n"
    with pytest.raises(SourcesError, match=rf"^{re.escape(field)} '.*\\n' must match"):
        parse_metric_sources(json.dumps(data))


@pytest.mark.parametrize("opener", ["[", '{"":'])
def test_parse_metric_sources_rejects_deep_nesting_naming_the_variable(opener: str) -> None:
    # Over 1,000 levels fit in Lambda's 4 KB and exceed the decoder's recursion limit.
    text = opener * (4000 // len(opener))
    with pytest.raises(SourcesError, match="^METRIC_SOURCES is nested too deeply"):
        parse_metric_sources(text)


def test_parse_metric_sources_rejects_more_than_lambda_can_hold() -> None:
    with pytest.raises(SourcesError, match="^METRIC_SOURCES is 5000 characters"):
        parse_metric_sources(" " * 5000)


def test_parse_metric_sources_rejects_a_repeated_field() -> None:
    text = _with()[:-1] + ',"db":"other-db"}'
    with pytest.raises(SourcesError, match="repeats field.*db"):
        parse_metric_sources(text)


def test_parse_metric_sources_rejects_a_float_version() -> None:
    with pytest.raises(SourcesError, match="^v must be 1, got 1.0"):
        parse_metric_sources(_with(v=1.0))


def test_parse_metric_sources_rejects_names_that_would_overflow_a_series_id() -> None:
    with pytest.raises(SourcesError, match="^table 'tttt.*must match"):
        parse_metric_sources(_with(table="t" * 129))


def test_parse_metric_sources_rejects_non_ascii_digits_and_letters() -> None:
    with pytest.raises(SourcesError, match="^db"):
        parse_metric_sources(_with(db="db-\u0661\u0662"))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from([*VALID, "x"]), children, max_size=7)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | _JSON.map(json.dumps))
def test_parse_metric_sources_fails_only_with_sources_error(text: str) -> None:
    try:
        sources = parse_metric_sources(text)
    except SourcesError:
        return
    assert parse_metric_sources(sources.to_env()) == sources


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(["db", "table", "namespace"]),
    value=st.text(min_size=1, max_size=40),
)
def test_parse_metric_sources_accepted_names_are_safe_series_parts(field: str, value: str) -> None:
    try:
        sources = parse_metric_sources(_with(**{field: value}))
    except SourcesError:
        return
    accepted = getattr(sources, field)
    assert "\n" not in accepted and " " not in accepted and accepted.isascii(), accepted
    if field != "namespace":
        assert "/" not in accepted and "#" not in accepted, accepted
