"""The local stage answers as API Gateway (REST, proxy integration) does, for the real route table.

No processes: the integration is a recorder, so each test sees the proxy event it was given.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tools.local import contract
from tools.local.gateway import Gateway, HttpRequest, HttpResponse, match_route

KEY = "k" * 40
KEYED = [r for r in contract.routes() if r.api_key_required]
OPEN = [r for r in contract.routes() if not r.api_key_required]


class Recorder:
    """An integration that keeps the events and answers with a fixed proxy result."""

    def __init__(self, result: Any = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.result = result or {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": '{"ok": true}',
            "isBase64Encoded": False,
        }

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return self.result


def _gateway(recorder: Recorder) -> Gateway:
    return Gateway(
        contract.routes(), api_key=KEY, stage="v1", account_id="123456789012", integration=recorder
    )


def _concrete(path: str) -> str:
    return "/".join("sample.series" if p.startswith("{") else p for p in path.split("/"))


def _send(
    recorder: Recorder,
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HttpResponse:
    return _gateway(recorder).handle(HttpRequest(method, target, headers or [], body))


def test_gateway_unknown_path_is_missing_authentication_token() -> None:
    recorder = Recorder()
    response = _send(recorder, "GET", "/no/such/path")
    assert (response.status, json.loads(response.body)) == (
        403,
        {"message": "Missing Authentication Token"},
    )
    assert recorder.events == [], "the handler must not see unrouted requests"


@pytest.mark.parametrize("route", contract.routes(), ids=lambda r: f"{r.method} {r.path}")
def test_gateway_method_without_route_is_missing_authentication_token(route: Any) -> None:
    other = "DELETE" if route.method != "DELETE" else "PUT"
    response = _send(Recorder(), other, _concrete(route.path), [("x-api-key", KEY)])
    assert response.status == 403, f"{other} {route.path}"
    assert json.loads(response.body) == {"message": "Missing Authentication Token"}


@pytest.mark.parametrize("route", KEYED, ids=lambda r: f"{r.method} {r.path}")
def test_gateway_key_required_route_without_key_is_forbidden(route: Any) -> None:
    recorder = Recorder()
    response = _send(recorder, route.method, _concrete(route.path))
    assert (response.status, json.loads(response.body)) == (403, {"message": "Forbidden"})
    assert recorder.events == [], f"{route.method} {route.path} reached the handler without a key"


@pytest.mark.parametrize("wrong", ["", KEY[:-1], KEY + "x", KEY.upper()])
def test_gateway_key_required_route_with_wrong_key_is_forbidden(wrong: str) -> None:
    route = KEYED[0]
    response = _send(Recorder(), route.method, _concrete(route.path), [("X-Api-Key", wrong)])
    assert response.status == 403, f"key {wrong!r} accepted on {route.method} {route.path}"


def test_gateway_key_required_route_with_key_reaches_the_handler() -> None:
    route = KEYED[0]
    recorder = Recorder()
    response = _send(recorder, route.method, _concrete(route.path), [("X-API-Key", KEY)])
    assert response.status == 200
    assert recorder.events[0]["requestContext"]["identity"]["apiKey"] == KEY


@pytest.mark.parametrize("route", OPEN, ids=lambda r: f"{r.method} {r.path}")
def test_gateway_open_route_needs_no_key(route: Any) -> None:
    recorder = Recorder()
    assert _send(recorder, route.method, _concrete(route.path)).status == 200
    assert recorder.events[0]["resource"] == route.path


def test_gateway_literal_segment_wins_over_a_parameter() -> None:
    route, params = match_route(
        [contract.Route("GET", "/a/{x}"), contract.Route("GET", "/a/b")], "GET", "/a/b"
    )
    assert (route.path if route else None, params) == ("/a/b", {})


def test_gateway_parameter_never_matches_an_empty_segment() -> None:
    route, _ = match_route([contract.Route("GET", "/metrics/{series}")], "GET", "/metrics/")
    assert route is None


@pytest.mark.parametrize(
    "target", ["//metrics", "/health/", "/metrics//x", "//health?x=1", "health", "/health//"]
)
def test_gateway_path_with_an_empty_segment_is_missing_authentication_token(target: str) -> None:
    """API Gateway has no resource for ``//metrics`` or ``/health/``: 403, the handler unseen."""
    recorder = Recorder()
    response = _send(recorder, "GET", target)
    assert (response.status, json.loads(response.body)) == (
        403,
        {"message": "Missing Authentication Token"},
    )
    assert recorder.events == []


def test_gateway_event_path_and_query_are_the_targets_own() -> None:
    recorder = Recorder()
    _send(recorder, "GET", "/metrics?limit=5&next=a%2Fb")
    [event] = recorder.events
    assert (event["path"], event["queryStringParameters"]) == (
        "/metrics",
        {"limit": "5", "next": "a/b"},
    )


def test_gateway_event_carries_path_parameters_decoded() -> None:
    recorder = Recorder()
    _send(recorder, "GET", "/metrics/a%3Ab.c")
    event = recorder.events[0]
    assert (event["resource"], event["path"], event["pathParameters"]) == (
        "/metrics/{series}",
        "/metrics/a%3Ab.c",
        {"series": "a:b.c"},
    )


def test_gateway_event_query_parameters_keep_the_last_and_all_values() -> None:
    recorder = Recorder()
    _send(recorder, "GET", "/metrics?limit=1&limit=2&next_token=")
    event = recorder.events[0]
    assert event["queryStringParameters"] == {"limit": "2", "next_token": ""}
    assert event["multiValueQueryStringParameters"] == {"limit": ["1", "2"], "next_token": [""]}


def test_gateway_event_without_query_or_body_has_nulls() -> None:
    recorder = Recorder()
    _send(recorder, "GET", "/health")
    event = recorder.events[0]
    assert (
        event["queryStringParameters"],
        event["multiValueQueryStringParameters"],
        event["pathParameters"],
        event["body"],
        event["isBase64Encoded"],
    ) == (None, None, None, None, False)


def test_gateway_event_request_context_names_stage_and_resource() -> None:
    recorder = Recorder()
    _send(recorder, "GET", "/events/summary?name=x")
    context = recorder.events[0]["requestContext"]
    assert (context["stage"], context["resourcePath"], context["path"], context["httpMethod"]) == (
        "v1",
        "/events/summary",
        "/v1/events/summary",
        "GET",
    )
    assert context["requestId"] and context["identity"]["sourceIp"] == "127.0.0.1"


def test_gateway_event_repeated_headers_keep_every_value() -> None:
    recorder = Recorder()
    _send(recorder, "GET", "/health", [("Accept", "a"), ("Accept", "b")])
    event = recorder.events[0]
    assert (event["headers"]["Accept"], event["multiValueHeaders"]["Accept"]) == ("b", ["a", "b"])


def test_gateway_event_binary_body_is_base64() -> None:
    recorder = Recorder()
    _send(recorder, "POST", "/events", [("x-api-key", KEY)], body=b"\xff\xfe")
    event = recorder.events[0]
    assert (event["body"], event["isBase64Encoded"]) == ("//4=", True)


@pytest.mark.parametrize(
    "result",
    [{"body": "x"}, {"statusCode": "200"}, {"statusCode": 200, "body": {"not": "text"}}],
)
def test_gateway_malformed_integration_result_is_502(result: Any) -> None:
    response = _send(Recorder(result=result), "GET", "/health")
    assert (response.status, json.loads(response.body)) == (
        502,
        {"message": "Internal server error"},
    )


def test_gateway_failed_invocation_is_502() -> None:
    gateway = Gateway(
        contract.routes(), api_key=KEY, stage="v1", account_id="1", integration=lambda e: None
    )
    response = gateway.handle(HttpRequest("GET", "/health", [], b""))
    assert (response.status, json.loads(response.body)) == (
        502,
        {"message": "Internal server error"},
    )


def test_gateway_passes_the_handlers_status_headers_and_body() -> None:
    recorder = Recorder(
        {
            "statusCode": 201,
            "headers": {"Idempotency-Key": "abc"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": "eyJ4IjoxfQ==",
            "isBase64Encoded": True,
        }
    )
    response = _send(recorder, "GET", "/health")
    assert response.status == 201
    assert ("Idempotency-Key", "abc") in response.headers
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert response.body == b'{"x":1}'
