"""Property: arbitrary bodies and query strings never make the handler answer 5xx or non-JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.functions.api_handler.conftest import ApiEnv

pytestmark = pytest.mark.postgres

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(
            st.text(max_size=140), st.sampled_from(["signup", "a.b:c/d-e"]), json_values
        ),
        "value": st.one_of(st.floats(allow_nan=False), st.integers(), json_values),
        "timestamp": st.one_of(
            st.integers(),
            st.floats(allow_nan=False),
            st.text(max_size=30),
            st.datetimes().map(lambda d: d.isoformat() + "Z"),
        ),
        "dimensions": st.one_of(
            st.dictionaries(st.text(max_size=70), st.text(max_size=300), max_size=12),
            json_values,
        ),
    },
)
bodies = st.one_of(event_like.map(json.dumps), json_values.map(json.dumps), st.text(max_size=200))
query_strings = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["name", "start", "end", "bucket", "limit", "next_token", "junk"]),
        st.one_of(
            st.text(max_size=40),
            st.integers(-(10**12), 10**12).map(str),
            st.sampled_from(["minute", "hour", "day", "2026-01-01T00:00:00Z"]),
        ),
        max_size=5,
    ),
)
paths = st.sampled_from(
    [
        "/health",
        "/metrics",
        "/metrics/",
        "/events/summary",
        "/metrics/custom.api.RouteRequests-health-2xx.Sum",
    ]
) | st.text(alphabet="abcXYZ09._:-%/ ", min_size=1, max_size=30).map(lambda s: f"/metrics/{s}")


def _assert_well_formed(answer_raw: dict[str, Any]) -> None:
    assert 200 <= answer_raw["statusCode"] < 500, answer_raw
    body = json.loads(answer_raw["body"])
    assert isinstance(body, dict)
    if answer_raw["statusCode"] >= 400:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=bodies,
    content_type=st.sampled_from(["application/json", "text/plain", None]),
    idempotency_key=st.none() | st.text(max_size=20),
)
def test_handler_post_events_never_5xx(
    api_env: ApiEnv, body: str, content_type: str | None, idempotency_key: str | None
) -> None:
    """POST /events with arbitrary bodies and headers: JSON 2xx/4xx only."""
    from tests.functions.api_handler.conftest import FakeContext, make_event

    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    event = make_event("POST", "/events", body=body, headers=headers or None)
    _assert_well_formed(api_env.handler(event, FakeContext()))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=paths, query=query_strings)
def test_handler_get_routes_never_5xx(
    api_env: ApiEnv, path: str, query: dict[str, str] | None
) -> None:
    """GET routes with arbitrary query strings and series ids: JSON 2xx/4xx only."""
    from tests.functions.api_handler.conftest import FakeContext, make_event

    _assert_well_formed(api_env.handler(make_event("GET", path, query=query), FakeContext()))
