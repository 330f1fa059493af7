"""Helpers for the metric aggregator tests: its code (and the shared contract) on sys.path, a fake
clock, the moto table."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

FUNCTION_DIR = Path(__file__).resolve().parents[3] / "functions" / "metric_aggregator"
# In the Lambda archive the shared contract package sits next to the function's code.
SHARED_DIR = FUNCTION_DIR.parent / "shared"
for _path in (SHARED_DIR, FUNCTION_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

REGION = "eu-west-1"
TABLE = "cw-analytics-test-metrics"
NAMESPACE = "cw-analytics/test"


class FakeClock:
    """A monotonic clock that only moves when ``sleep`` is called (or ``advance``)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, "negative sleep"
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def create_table(client: Any, name: str = TABLE) -> None:
    """The metrics table exactly as the MetricAggregator component declares it."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def scan_all(client: Any, table: str = TABLE) -> list[dict[str, Any]]:
    """Every item of the table (paginated)."""
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    return items


def load_handler_module() -> ModuleType:
    """Import handler.py under a name of its own (api_handler has a handler.py too)."""
    spec = importlib.util.spec_from_file_location(
        "metric_aggregator_handler", FUNCTION_DIR / "handler.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LambdaContextStub:
    """The parts of LambdaContext the handler and Powertools read."""

    function_name = "cw-analytics-test-aggregator"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
    aws_request_id = "11111111-2222-3333-4444-555555555555"

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


class HttpAnswers:
    """Answers a client's requests at the HTTP layer (``before-send``), below botocore's retries.

    botocore's Stubber answers before the retry handler runs, so it cannot show what the
    standard retry mode does; this can. ``answers`` are (status, JSON body) pairs, one per HTTP
    attempt, in order; the client must use the JSON protocol (CloudWatch and DynamoDB do).
    """

    def __init__(self, client: Any, operation: str, answers: list[tuple[int, dict[str, Any]]]):
        self.answers = list(answers)
        self.attempts = 0
        service = client.meta.service_model.service_name
        client.meta.events.register(f"before-send.{service}.{operation}", self._send)

    def _send(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        self.attempts += 1
        assert self.answers, f"unexpected HTTP attempt {self.attempts}"
        status, body = self.answers.pop(0)
        headers = {"content-type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


class ThrottleFirst:
    """Throttles the first ``count`` HTTP attempts of an operation, then lets the client's
    own transport (moto, in the handler tests) answer. Registered first, so its answer is the
    one botocore takes even when moto's stubber answers the same event."""

    def __init__(self, client: Any, operation: str, count: int) -> None:
        self.left = count
        self.attempts = 0
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"before-send.{service}.{operation}", self._send)

    def _send(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        self.attempts += 1
        if self.left <= 0:
            return None
        self.left -= 1
        status, body = throttled()
        headers = {"content-type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


def throttled(code: str = "ThrottlingException") -> tuple[int, dict[str, Any]]:
    """One HTTP answer AWS gives when it throttles a call."""
    return 400, {"__type": code, "message": "Rate exceeded"}


def no_sdk_sleep(monkeypatch: Any, clock: FakeClock) -> None:
    """botocore sleeps between its retries with ``time.sleep``; make that the fake clock's."""
    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=clock.sleep))
