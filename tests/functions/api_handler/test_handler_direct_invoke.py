"""A direct invoke (console test event, `aws lambda invoke`) is not a proxy event: 400, not 500."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.functions.api_handler.conftest import (
    FakeContext,
    LogReader,
    decode_response,
    make_event,
)


def _without(*names: str) -> dict[str, Any]:
    event = make_event("GET", "/health")
    for name in names:
        event.pop(name)
    return event


@pytest.mark.parametrize(
    ("event", "missing"),
    [
        (_without("httpMethod"), "httpMethod"),
        (_without("path"), "path"),
        (_without("httpMethod", "path"), "httpMethod, path"),
        ({**make_event("GET", "/health"), "httpMethod": None}, "httpMethod"),
        ({**make_event("GET", "/health"), "path": ""}, "path"),
        ({"key1": "value1", "key2": "value2"}, "httpMethod, path"),
        ({}, "httpMethod, path"),
    ],
    ids=["no-method", "no-path", "neither", "null-method", "empty-path", "console-test", "empty"],
)
def test_handler_event_without_routing_fields_is_400_naming_them(
    handler_module: ModuleType, event: dict[str, Any], missing: str
) -> None:
    answer = decode_response(handler_module.handler(event, FakeContext()))
    assert answer.status == 400, answer.body
    assert answer.body["error"]["code"] == "bad_request"
    assert f"missing {missing} " in answer.body["error"]["message"]
    assert answer.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("event", [[], "GET /health", None], ids=["list", "string", "null"])
def test_handler_event_that_is_not_an_object_is_400(handler_module: ModuleType, event: Any) -> None:
    answer = decode_response(handler_module.handler(event, FakeContext()))
    assert answer.status == 400
    assert "missing httpMethod, path" in answer.body["error"]["message"]


def test_handler_event_without_method_is_logged_as_a_warning_not_an_error(
    handler_module: ModuleType, api_logs: LogReader
) -> None:
    handler_module.handler(_without("httpMethod"), FakeContext())
    lines = api_logs()
    assert [(line["level"], line.get("missing")) for line in lines] == [("WARNING", ["httpMethod"])]
