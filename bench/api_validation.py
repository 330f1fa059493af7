"""Hand-written request validation against Powertools' parser (pydantic) for POST /events.

The same API Gateway event goes through both: the handler's own path (``decode_body``,
``parse_json``, ``validate_event``) and ``aws_lambda_powertools.utilities.parser.parse`` with the
API Gateway envelope and a pydantic model expressing the same rules. Prints warm latency (p50,
p99), the cold import cost of each and the error message each gives for the same bad bodies.
Asserts nothing; pydantic is needed only to run this script, not by the function.
    venv/bin/python bench/api_validation.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

REPO = Path(__file__).resolve().parent.parent
FUNCTION_DIR = REPO / "functions" / "api_handler"
sys.path[:0] = [str(FUNCTION_DIR), str(REPO / "functions" / "shared")]

ITERATIONS = 5000
COLD_RUNS = 5


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def timed_us(fn: Callable[[], Any], n: int) -> list[float]:
    """Durations of n calls in microseconds (after 100 warm-ups); exceptions are part of it."""

    def once() -> None:
        try:
            fn()
        except Exception:  # noqa: BLE001, S110 - a rejection is the measured outcome
            pass

    for _ in range(100):
        once()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        once()
        out.append((time.perf_counter() - started) * 1e6)
    return out


def pydantic_model() -> type:
    """The POST /events rules as a pydantic model (strict types, no extra fields)."""
    from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

    name_type = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")]
    key_type = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
    value_type = Annotated[str, StringConstraints(min_length=1, max_length=256)]

    class NewEventModel(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

        name: name_type
        value: Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
        timestamp: datetime | float | None = None
        dimensions: Annotated[dict[key_type, value_type], Field(max_length=10)] | None = None

        @field_validator("timestamp", mode="before")
        @classmethod
        def _instant(cls, raw: Any) -> Any:
            if isinstance(raw, str):
                return datetime.fromisoformat(raw)
            return raw

        @field_validator("timestamp")
        @classmethod
        def _window(cls, value: datetime | float | None) -> datetime | None:
            if value is None:
                return None
            instant = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
            if instant.tzinfo is None:
                raise ValueError("needs a UTC offset")
            now = datetime.now(UTC)
            if not now - timedelta(days=366) <= instant <= now + timedelta(minutes=5):
                raise ValueError("outside the accepted window")
            return instant

        @field_validator("dimensions")
        @classmethod
        def _printable(cls, value: dict[str, str] | None) -> dict[str, str] | None:
            for text in (value or {}).values():
                if not text.isprintable():
                    raise ValueError("must contain printable characters only")
            return value

    return NewEventModel


def api_event(body: str) -> dict[str, Any]:
    """A v1 proxy event carrying ``body``, as the parser's envelope expects it."""
    return {
        "resource": "/events",
        "path": "/events",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef",
            "stage": "v1",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "203.0.113.9"},
            "requestId": "bench",
            "requestTime": "30/Nov/2026:07:00:00 +0000",
            "requestTimeEpoch": 1,
            "resourcePath": "/events",
            "httpMethod": "POST",
            "path": "/v1/events",
            "resourceId": "abc123",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def cold(statement: str) -> float:
    """Best-of-N import cost (ms) in a fresh interpreter, minus a bare interpreter."""

    def run(code: str) -> float:
        best = float("inf")
        for _ in range(COLD_RUNS):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=FUNCTION_DIR, check=True)
            best = min(best, (time.perf_counter() - started) * 1000)
        return best

    return run(statement) - run("pass")


def main() -> None:
    """Measure and print."""
    from api.errors import ApiError
    from api.validation import decode_body, parse_json, validate_event
    from aws_lambda_powertools.utilities.parser import parse
    from aws_lambda_powertools.utilities.parser.envelopes import ApiGatewayEnvelope

    model = pydantic_model()
    bodies = {
        "valid": json.dumps(
            {"name": "signup", "value": 1.5, "dimensions": {"plan": "pro", "region": "eu"}}
        ),
        "bad value": json.dumps({"name": "signup", "value": "1.5"}),
        "unknown field": json.dumps({"name": "signup", "value": 1, "colour": "red"}),
        "name + newline": json.dumps({"name": "signup\n", "value": 1}),
        "deep nesting": "[" * 3000 + "]" * 3000,
    }

    def hand(event: dict[str, Any]) -> Any:
        raw = decode_body(event["body"], bool(event["isBase64Encoded"]))
        return validate_event(parse_json(raw), datetime.now(UTC))

    def powertools(event: dict[str, Any]) -> Any:
        return parse(event=event, model=model, envelope=ApiGatewayEnvelope)

    print(f"warm latency per request, {ITERATIONS} runs (microseconds):")
    print(f"  {'body':16} {'hand p50':>9} {'hand p99':>9} {'parser p50':>11} {'parser p99':>11}")
    for label, body in bodies.items():
        event = api_event(body)
        mine, theirs = (
            timed_us(lambda e=event: hand(e), ITERATIONS),
            timed_us(lambda e=event: powertools(e), ITERATIONS),
        )
        print(
            f"  {label:16} {percentile(mine, 50):9.1f} {percentile(mine, 99):9.1f} "
            f"{percentile(theirs, 50):11.1f} {percentile(theirs, 99):11.1f}"
        )

    print("\nwhat the client would read:")
    for label, body in list(bodies.items())[1:]:
        event = api_event(body)
        try:
            hand(event)
            mine = "accepted"
        except ApiError as exc:
            mine = f"{exc.status} {exc.message}"
        try:
            powertools(event)
            theirs = "accepted"
        except Exception as exc:  # noqa: BLE001 - ValidationError or the parser's wrapper
            theirs = " | ".join(str(exc).splitlines())[:160]
        print(f"  {label}:\n    hand:   {mine}\n    parser: {theirs}")

    print(f"\ncold import (fresh interpreter, best of {COLD_RUNS}, minus bare interpreter):")
    print(f"  api.validation                    {cold('import api.validation'):7.1f} ms")
    parser_import = (
        "import pydantic; from aws_lambda_powertools.utilities.parser import parse; "
        "from aws_lambda_powertools.utilities.parser.envelopes import ApiGatewayEnvelope"
    )
    print(f"  Powertools parser + pydantic      {cold(parser_import):7.1f} ms")


if __name__ == "__main__":
    main()
