"""A tiny HTTP client for the local system's API (the standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """Status, headers and the body parsed as JSON (None when it is not JSON)."""

    status: int
    headers: dict[str, str]
    body: Any


def call(
    base_url: str,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One request; HTTP errors are replies too."""
    data = None if json_body is None else json.dumps(json_body).encode()
    all_headers = dict(headers or {})
    if data is not None:
        all_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), dict(error.headers)
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return Reply(status=status, headers={k.lower(): v for k, v in got.items()}, body=body)
