"""The handler end to end: every route against real PostgreSQL and moto, with v1 proxy events."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.functions.api_handler.conftest import ApiEnv, FakeContext, decode_response, make_event

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_health_reports_every_dependency_ok(api_env: ApiEnv) -> None:
    """Both dependencies answer: 200 and a status per dependency."""
    answer = api_env.call("GET", "/health")
    assert answer.status == 200, answer.body
    assert answer.body["status"] == "ok"
    assert {k: v["status"] for k, v in answer.body["checks"].items()} == {
        "database": "ok",
        "metrics_table": "ok",
    }


def test_health_missing_table_is_503_same_shape(api_env: ApiEnv) -> None:
    """The table is gone: 503, the same body shape, the failing dependency named."""
    api_env.dynamodb.delete_table(TableName=api_env.table)
    answer = api_env.call("GET", "/health")
    assert answer.status == 503
    assert answer.body["status"] == "unavailable"
    assert answer.body["checks"]["database"]["status"] == "ok"
    assert answer.body["checks"]["metrics_table"]["status"] == "unavailable"


def test_events_post_stores_and_returns_201(api_env: ApiEnv) -> None:
    """A valid event: 201 with the stored row, which is really in PostgreSQL."""
    answer = api_env.post_event({"name": "signup", "value": 2.5, "dimensions": {"plan": "pro"}})
    assert answer.status == 201, answer.body
    assert answer.body["name"] == "signup"
    assert answer.body["value"] == 2.5
    assert answer.body["dimensions"] == {"plan": "pro"}
    con = api_env.db.server.superuser_connection(api_env.db.name)
    try:
        rows = con.run("SELECT id, name, value FROM events")
    finally:
        con.close()
    assert rows == [[answer.body["id"], "signup", 2.5]]


def test_events_post_base64_body_is_decoded(api_env: ApiEnv) -> None:
    """isBase64Encoded bodies are decoded before parsing."""
    body = json.dumps({"name": "b64", "value": 1})
    answer = api_env.call(
        "POST",
        "/events",
        body=body,
        base64_body=True,
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert answer.status == 201, answer.body
    assert answer.body["name"] == "b64"


def test_events_post_idempotent_retry_stores_once(api_env: ApiEnv) -> None:
    """Same Idempotency-Key twice: one row, the identical response."""
    doc = {"name": "order", "value": 10}
    first = api_env.post_event(doc, headers={"Idempotency-Key": "k-123"})
    second = api_env.post_event(doc, headers={"Idempotency-Key": "k-123"})
    assert first.status == second.status == 201
    assert first.raw["body"] == second.raw["body"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    con = api_env.db.server.superuser_connection(api_env.db.name)
    try:
        assert con.run("SELECT count(*) FROM events")[0][0] == 1
    finally:
        con.close()


def test_events_post_key_reused_with_other_body_is_422(api_env: ApiEnv) -> None:
    """Same key, different body: 422 idempotency_key_reused, nothing stored twice."""
    api_env.post_event({"name": "order", "value": 10}, headers={"Idempotency-Key": "k-9"})
    answer = api_env.post_event({"name": "order", "value": 11}, headers={"Idempotency-Key": "k-9"})
    assert answer.status == 422
    assert answer.body["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"body": "{}", "headers": {"Content-Type": "text/plain"}}, 415, "unsupported_media_type"),
        ({"body": "{}", "headers": None}, 415, "unsupported_media_type"),
        (
            {"body": "x" * 20000, "headers": {"Content-Type": "application/json"}},
            413,
            "payload_too_large",
        ),
        (
            {"body": "{not json", "headers": {"Content-Type": "application/json"}},
            400,
            "bad_request",
        ),
        (
            {
                "body": '{"name": "a", "value": NaN}',
                "headers": {"Content-Type": "application/json"},
            },
            400,
            "bad_request",
        ),
        (
            {"body": '{"name": "a"}', "headers": {"Content-Type": "application/json"}},
            422,
            "validation_failed",
        ),
    ],
    ids=["wrong-type", "no-type", "too-large", "malformed", "nan", "schema"],
)
def test_events_post_rejects_bad_requests(
    api_env: ApiEnv, kwargs: dict, status: int, code: str
) -> None:
    """415, 413, 400, 422 each with the JSON error shape."""
    answer = api_env.call("POST", "/events", **kwargs)
    assert answer.status == status, answer.body
    assert answer.body["error"]["code"] == code
    assert answer.body["error"]["message"]


def test_events_post_schema_error_names_the_field(api_env: ApiEnv) -> None:
    """A 422 message names the offending field."""
    answer = api_env.post_event({"name": "ok", "value": "12"})
    assert answer.status == 422
    assert answer.body["error"]["message"].startswith("value:")


def test_events_summary_aggregates_per_bucket(api_env: ApiEnv) -> None:
    """count, sum, avg and p95 per hour, computed in SQL."""
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    for minute, value in [(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0), (61, 10.0)]:
        ts = (base + timedelta(minutes=minute)).isoformat()
        assert api_env.post_event({"name": "lat", "value": value, "timestamp": ts}).status == 201
    api_env.post_event({"name": "other", "value": 99})
    answer = api_env.call(
        "GET",
        "/events/summary",
        query={
            "name": "lat",
            "bucket": "hour",
            "start": base.isoformat(),
            "end": (base + timedelta(hours=2)).isoformat(),
        },
    )
    assert answer.status == 200, answer.body
    buckets = answer.body["buckets"]
    assert [b["count"] for b in buckets] == [4, 1]
    assert buckets[0]["sum"] == 10.0
    assert buckets[0]["avg"] == 2.5
    assert buckets[0]["p95"] == pytest.approx(3.85)
    assert buckets[0]["start"] == base.isoformat()
    assert buckets[1]["p95"] == 10.0


def test_events_summary_without_events_is_empty(api_env: ApiEnv) -> None:
    """First use creates the schema; no events means no buckets (not an error)."""
    answer = api_env.call("GET", "/events/summary", query={"name": "nothing"})
    assert answer.status == 200, answer.body
    assert answer.body["buckets"] == []


def test_events_summary_bad_bucket_is_400(api_env: ApiEnv) -> None:
    """bucket outside minute|hour|day is the caller's mistake."""
    answer = api_env.call("GET", "/events/summary", query={"name": "x", "bucket": "week"})
    assert answer.status == 400
    assert "bucket" in answer.body["error"]["message"]


def test_metrics_list_returns_catalogue_without_expired(api_env: ApiEnv) -> None:
    """GET /metrics: live catalogue entries with their latest datapoint; expired ones hidden."""
    now = int(time.time())
    api_env.put_catalogue(
        "custom.api.RouteRequests-health-2xx.Sum", now - 60, 42.0, expires_at=now + 3600
    )
    api_env.put_catalogue("apigw.x.5XXError.Sum", now - 60, 1.0, expires_at=now - 10)
    answer = api_env.call("GET", "/metrics")
    assert answer.status == 200, answer.body
    assert answer.body["series"] == [
        {
            "series": "custom.api.RouteRequests-health-2xx.Sum",
            "stat": "Sum",
            "unit": "Count",
            "latest": {"ts": now - 60, "value": 42},
        }
    ]
    assert answer.body["next_token"] is None


def test_metrics_list_paginates_with_token(api_env: ApiEnv) -> None:
    """limit + next_token walk the whole catalogue once."""
    now = int(time.time())
    names = [f"custom.api.S{i}.Sum" for i in range(5)]
    for name in names:
        api_env.put_catalogue(name, now, 1.0, expires_at=now + 3600)
    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        query = {"limit": "2", **({"next_token": token} if token else {})}
        answer = api_env.call("GET", "/metrics", query=query)
        assert answer.status == 200, answer.body
        seen += [s["series"] for s in answer.body["series"]]
        token = answer.body["next_token"]
        if token is None:
            break
    assert sorted(seen) == sorted(names)


def test_metrics_series_newest_first_paginated(api_env: ApiEnv) -> None:
    """Datapoints newest first, in pages, within start/end, expired ones left out."""
    now = int(time.time())
    series = "lambda.cw-analytics-dev-api-handler.Duration.p99"
    api_env.put_catalogue(series, now, 5.0, expires_at=now + 3600)
    for i in range(5):
        api_env.put_datapoint(series, now - 300 * i, float(i), expires_at=now + 3600)
    api_env.put_datapoint(series, now - 300 * 5, 99.0, expires_at=now - 1)
    first = api_env.call("GET", f"/metrics/{series}", query={"limit": "3"})
    assert first.status == 200, first.body
    assert [p["ts"] for p in first.body["datapoints"]] == [now, now - 300, now - 600]
    second = api_env.call(
        "GET", f"/metrics/{series}", query={"limit": "3", "next_token": first.body["next_token"]}
    )
    assert second.status == 200, second.body
    assert [p["value"] for p in second.body["datapoints"]] == [3, 4]
    assert second.body["next_token"] is None


def test_metrics_series_time_window_filters(api_env: ApiEnv) -> None:
    """start/end (epoch seconds) bound the datapoints returned."""
    now = int(time.time())
    series = "custom.api.RouteRequests-health-2xx.Sum"
    for i in range(4):
        api_env.put_datapoint(series, now - 60 * i, float(i), expires_at=now + 3600)
    answer = api_env.call(
        "GET", f"/metrics/{series}", query={"start": str(now - 120), "end": str(now - 60)}
    )
    assert [p["ts"] for p in answer.body["datapoints"]] == [now - 60, now - 120]


def test_metrics_series_unknown_is_404(api_env: ApiEnv) -> None:
    """A series neither in the catalogue nor with datapoints is 404."""
    answer = api_env.call("GET", "/metrics/custom.api.Nope.Sum")
    assert answer.status == 404
    assert answer.body["error"]["code"] == "not_found"


def test_metrics_series_tampered_token_is_400(api_env: ApiEnv) -> None:
    """A token for another series (or garbage) is a 400, never a 500."""
    import base64

    foreign = base64.urlsafe_b64encode(b'{"pk":"series#other","sk":"0000000001"}').decode()
    for token in [foreign.rstrip("="), "!!!", "eyJhIjoxfQ", "A" * 5000]:
        answer = api_env.call("GET", "/metrics/custom.x", query={"next_token": token})
        assert answer.status == 400, (token, answer.body)
        assert answer.body["error"]["code"] == "bad_request"


def test_metrics_series_invalid_id_is_400(api_env: ApiEnv) -> None:
    """Path parameters outside ^[A-Za-z0-9._:-]{1,200}$ are rejected."""
    answer = api_env.call("GET", "/metrics/bad%20id")
    assert answer.status == 400


def test_handler_null_query_parameters_accepted(api_env: ApiEnv) -> None:
    """queryStringParameters null (no query string) uses defaults."""
    answer = api_env.call("GET", "/metrics", query=None)
    assert answer.status == 200


def test_handler_trailing_slash_matches_route(api_env: ApiEnv) -> None:
    """``/health/`` is ``/health``."""
    assert api_env.call("GET", "/health/").status == 200


def test_handler_wrong_method_is_405_with_allow(api_env: ApiEnv) -> None:
    """A known path with another method: 405 and an Allow header listing the right one."""
    answer = api_env.call("DELETE", "/events")
    assert answer.status == 405
    assert answer.headers["Allow"] == "POST"
    assert answer.body["error"]["code"] == "method_not_allowed"


def test_handler_unknown_route_is_404_json(api_env: ApiEnv) -> None:
    """Unknown paths are a JSON 404."""
    answer = api_env.call("GET", "/nowhere")
    assert answer.status == 404
    assert answer.body == {"error": {"code": "not_found", "message": "no route for GET /nowhere"}}


def _emf_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]


@pytest.mark.parametrize(
    "case",
    [
        ("GET", "/health", "/health", "2xx"),
        ("GET", "/metrics/no.such.series", "/metrics/{series}", "4xx"),
        ("DELETE", "/events", "unmatched", "4xx"),
        ("GET", "/nowhere", "unmatched", "4xx"),
    ],
)
def test_handler_emits_one_route_metric_per_request(
    api_env: ApiEnv, capsys: pytest.CaptureFixture[str], case: tuple[str, str, str, str]
) -> None:
    """Each request emits exactly one EMF ``RouteRequests`` count: route as in the contract,
    status as its label (the aggregator can only copy series whose dimensions it can list)."""
    method, path, route, status = case
    capsys.readouterr()
    api_env.call(method, path)
    lines = _emf_lines(capsys)
    assert len(lines) == 1, lines
    (doc,) = lines
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "cw-analytics/test"
    assert directive["Metrics"] == [{"Name": "RouteRequests", "Unit": "Count"}]
    assert directive["Dimensions"] == [["service", "route", "status"]]
    assert (doc["service"], doc["route"], doc["status"], doc["RouteRequests"]) == (
        "api",
        route,
        status,
        [1.0] if isinstance(doc["RouteRequests"], list) else 1.0,
    )


def test_handler_route_metric_counts_domain_errors(
    api_env: ApiEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    """A route that raises a domain error is counted with the error's status, not 200."""
    capsys.readouterr()
    api_env.call("GET", "/events/summary", query={"name": "x", "bucket": "week"})
    (doc,) = _emf_lines(capsys)
    assert (doc["route"], doc["status"]) == ("/events/summary", "4xx")


def test_handler_route_metric_service_is_the_contracts_not_the_log_service(
    api_env: ApiEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renaming the function's log service must not move its metric away from the series the
    aggregator asks for (``service=api``)."""
    from api import app

    monkeypatch.setattr(app, "SERVICE", "renamed-api")
    capsys.readouterr()
    api_env.call("GET", "/health")
    (doc,) = _emf_lines(capsys)
    assert doc["service"] == "api", doc


def test_handler_route_metric_tells_a_dependency_failure_503(
    api_env: ApiEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dependency down (the table is gone) is counted as ``503``, apart from other 5xx."""
    api_env.dynamodb.delete_table(TableName=api_env.table)
    capsys.readouterr()
    answer = api_env.call("GET", "/health")
    (doc,) = _emf_lines(capsys)
    assert answer.status == 503, answer.body
    assert (doc["route"], doc["status"]) == ("/health", "503")


def test_handler_route_metric_tells_a_bug_500(
    api_env: ApiEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception in a route is counted as ``500`` on that route."""
    from api import metrics_store

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(metrics_store, "list_series", broken)
    capsys.readouterr()
    answer = api_env.call("GET", "/metrics")
    (doc,) = _emf_lines(capsys)
    assert answer.status == 500, answer.body
    assert (doc["route"], doc["status"]) == ("/metrics", "500")


def test_handler_logs_request_id_as_correlation_id(api_env: ApiEnv) -> None:
    """Log lines carry the API Gateway request id as correlation_id."""
    import io

    from api.app import logger

    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        api_env.call("GET", "/health", request_id="req-corr-77")
        api_env.call("GET", "/nowhere", request_id="req-corr-78")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    logs = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [entry.get("correlation_id") for entry in logs] == ["req-corr-77", "req-corr-78"]
    assert [entry.get("status") for entry in logs] == [200, 404]


def test_handler_unexpected_error_is_500_json(api_env: ApiEnv) -> None:
    """A bug inside a route becomes a 500 JSON error without a stack trace."""
    from api import deps

    def boom() -> None:
        raise RuntimeError("secret internals")

    api_env.monkeypatch.setattr(deps, "container", boom)
    answer = api_env.call("GET", "/metrics")
    assert answer.status == 500, answer.body
    assert answer.body == {"error": {"code": "internal_error", "message": "internal error"}}
    assert "secret internals" not in answer.raw["body"]


def test_handler_garbage_event_is_json_not_raise(api_env: ApiEnv) -> None:
    """Even a non-API-Gateway event yields a JSON answer (a 400) instead of an exception."""
    from tests.functions.api_handler.conftest import FakeContext, decode_response

    answer = decode_response(api_env.handler({"unexpected": True}, FakeContext()))
    assert answer.status == 400
    assert answer.body["error"]["code"] == "bad_request"


def _event_rows(api_env: ApiEnv) -> list[list[Any]]:
    con = api_env.db.server.superuser_connection(api_env.db.name)
    try:
        return con.run("SELECT id, value, caller FROM events ORDER BY id")
    finally:
        con.close()


def test_events_post_same_key_from_another_caller_is_stored_apart(api_env: ApiEnv) -> None:
    """Caller B picks the Idempotency-Key caller A used: B's event is stored as its own (201,
    not replayed, not A's row), and A's retry still replays A's event."""
    key = {"Idempotency-Key": "order-1"}
    first = api_env.post_event({"name": "order", "value": 1}, headers=key, api_key_id="key-a")
    other = api_env.post_event({"name": "order", "value": 2}, headers=key, api_key_id="key-b")
    retry = api_env.post_event({"name": "order", "value": 1}, headers=key, api_key_id="key-a")
    assert first.status == other.status == retry.status == 201, (first.body, other.body)
    assert other.body["id"] != first.body["id"]
    assert other.body["value"] == 2
    assert "Idempotent-Replayed" not in other.headers
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.body["id"] == first.body["id"]
    assert [row[1] for row in _event_rows(api_env)] == [1.0, 2.0]


def test_events_post_same_key_and_body_from_another_caller_is_not_a_replay(
    api_env: ApiEnv,
) -> None:
    """Even the very same body under another caller's key is a new event (two rows)."""
    doc = {"name": "order", "value": 1}
    key = {"Idempotency-Key": "order-2"}
    first = api_env.post_event(doc, headers=key, api_key_id="key-a")
    second = api_env.post_event(doc, headers=key, api_key_id="key-b")
    assert first.status == second.status == 201
    assert "Idempotent-Replayed" not in second.headers
    assert len(_event_rows(api_env)) == 2


def test_events_post_caller_is_key_hash_without_key_id(api_env: ApiEnv) -> None:
    """Only the key in the identity: callers are told apart by a hash of it, never stored in
    clear (the key is a credential)."""
    key = {"Idempotency-Key": "order-3"}
    api_env.post_event({"name": "o", "value": 1}, headers=key, api_key="secret-key-aaaa")
    other = api_env.post_event({"name": "o", "value": 2}, headers=key, api_key="secret-key-bbbb")
    assert other.status == 201 and "Idempotent-Replayed" not in other.headers
    callers = [row[2] for row in _event_rows(api_env)]
    assert len(set(callers)) == 2
    assert not any("secret-key" in caller for caller in callers), callers


# Characters a series id may not hold that the path shape still takes as one segment: the
# resolver matches no route, so the answer must be 404 (never 405 "allowed: GET" for a GET).
ODD_SERIES_PATHS = ['/metrics/a"b', "/metrics/a?b", "/metrics/a\\b", "/metrics/a`b"]
ODD_SERIES_PATHS += ["/metrics/a#b", "/metrics/a\tb", "/metrics/a\nb"]


@pytest.mark.parametrize("path", ODD_SERIES_PATHS, ids=repr)
def test_handler_path_the_resolver_refuses_is_404_not_405(api_env: ApiEnv, path: str) -> None:
    """GET on a path no registered route matches is 404 not_found, with no Allow header."""
    answer = api_env.call("GET", path)
    assert answer.status == 404, (path, answer.body)
    assert answer.body["error"]["code"] == "not_found"
    assert "Allow" not in answer.headers


def test_handler_wrong_method_on_odd_series_path_is_still_405(api_env: ApiEnv) -> None:
    """The method is what is wrong: 405 with the path's methods, whatever the segment holds."""
    answer = api_env.call("DELETE", '/metrics/a"b')
    assert answer.status == 405
    assert answer.headers["Allow"] == "GET"


def test_handler_route_label_is_what_the_resolver_matched(
    api_env: ApiEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request the resolver served no route for is counted ``unmatched``, even when the
    contract's path shape would have taken it for ``/metrics/{series}``."""
    capsys.readouterr()
    api_env.call("GET", '/metrics/a"b')
    (doc,) = _emf_lines(capsys)
    assert (doc["route"], doc["status"]) == ("unmatched", "4xx")


@pytest.mark.parametrize("context", [None, {"requestId": "r"}, {"identity": None}])
def test_events_post_without_identity_is_the_anonymous_callers(
    api_env: ApiEnv, context: dict[str, Any] | None
) -> None:
    """An event with no identity (or no request context) is stored as ``anonymous``, not a
    500."""
    event = make_event(
        "POST",
        "/events",
        body='{"name": "a", "value": 1}',
        headers={"Content-Type": "application/json"},
    )
    if context is None:
        del event["requestContext"]
    else:
        event["requestContext"] = context
    answer = decode_response(api_env.handler(event, FakeContext()))
    assert answer.status == 201, answer.body
    assert [row[2] for row in _event_rows(api_env)] == ["anonymous"]
