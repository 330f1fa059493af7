"""Small accessors over the raw API Gateway v1 event (null-safe)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def query_params(event: Mapping[str, Any]) -> dict[str, str]:
    """Single-value query parameters; API Gateway sends null when there are none."""
    params = event.get("queryStringParameters") or {}
    return {str(k): str(v) for k, v in params.items() if v is not None}


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header, case-insensitively."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if str(key).lower() == wanted and value is not None:
            return str(value)
    return None
