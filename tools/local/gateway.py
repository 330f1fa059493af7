"""API Gateway (REST, proxy integration) in front of the local API handler.

Each HTTP request is matched against the route table the API component builds its resources
from, checked for the usage plan's API key where the route requires one, and turned into the
v1 proxy event the stage sends to Lambda. What API Gateway answers by itself: a path or method
with no route is 403 ``Missing Authentication Token`` (REST APIs do not say 404/405); a missing
or unknown key on a key-required method is 403 ``Forbidden``; an integration that fails or
returns a malformed response is 502 ``Internal server error``.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, unquote

if TYPE_CHECKING:
    # The contract loads the aggregator's package (botocore, Powertools: about 0.3 s of CPU):
    # only once a request is answered, so that ``python -m tools.local`` binds its port, and
    # reports a taken one, before that.
    from tools.local.contract import Route

MISSING_TOKEN = {"message": "Missing Authentication Token"}
FORBIDDEN = {"message": "Forbidden"}
BAD_GATEWAY = {"message": "Internal server error"}
API_KEY_HEADER = "x-api-key"


@dataclass(frozen=True)
class HttpRequest:
    """What the client sent."""

    method: str
    target: str
    """Path and query string, as on the request line."""
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class HttpResponse:
    """What goes back to the client."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Integration(Protocol):
    """Invokes the handler with a proxy event; returns its response or None if it failed."""

    def __call__(self, event: dict[str, Any]) -> Any: ...


def new_api_key() -> str:
    """A key shaped like the ones API Gateway generates (40 letters and digits)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(40))


def match_route(
    routes: Sequence[Route], method: str, path: str
) -> tuple[Route | None, dict[str, str]]:
    """The route for ``method`` and ``path`` and its path parameters; (None, {}) when none.

    A ``{name}`` template part matches one non-empty segment; a literal part wins over a
    parameter at the same place, as in API Gateway. A path with an empty segment (``//metrics``,
    ``/health/``) names no resource, so it matches nothing, as in API Gateway.
    """
    segments = _segments(path)
    if segments is None:
        return None, {}
    best: tuple[int, Route, dict[str, str]] | None = None
    for route in routes:
        if route.method != method:
            continue
        parts = route.path.strip("/").split("/") if route.path.strip("/") else []
        if len(parts) != len(segments):
            continue
        params: dict[str, str] = {}
        literals = 0
        for part, segment in zip(parts, segments, strict=True):
            if part.startswith("{") and part.endswith("}"):
                if not segment:
                    break
                params[part[1:-1]] = segment
            elif part == segment:
                literals += 1
            else:
                break
        else:
            if best is None or literals > best[0]:
                best = (literals, route, params)
    return (best[1], best[2]) if best else (None, {})


def _segments(path: str) -> list[str] | None:
    """The path's decoded segments; None unless it is ``/`` or ``/a/b`` with none empty."""
    if path == "/":
        return []
    parts = path.split("/")
    if parts[0] != "" or any(part == "" for part in parts[1:]):
        return None
    return [unquote(part) for part in parts[1:]]


def _json_response(status: int, body: Mapping[str, Any], error_type: str) -> HttpResponse:
    return HttpResponse(
        status=status,
        headers=[
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", error_type),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
        body=json.dumps(dict(body)).encode(),
    )


class Gateway:
    """The stage: routes, the API key, the proxy event, the integration response."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        api_key: str,
        stage: str,
        account_id: str,
        integration: Integration,
    ) -> None:
        self.routes = tuple(routes)
        self.api_key = api_key
        self.stage = stage
        self.account_id = account_id
        self.api_id = "local"
        self._integration = integration

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request as the stage would."""
        # The target as sent: urlsplit would read ``//metrics`` as a host name.
        path, _, query = request.target.partition("#")[0].partition("?")
        route, params = match_route(self.routes, request.method.upper(), path)
        if route is None:
            return _json_response(403, MISSING_TOKEN, "MissingAuthenticationTokenException")
        api_key = _header(request.headers, API_KEY_HEADER)
        if route.api_key_required and not (
            api_key is not None and secrets.compare_digest(api_key, self.api_key)
        ):
            return _json_response(403, FORBIDDEN, "ForbiddenException")
        event = self.proxy_event(request, route, params, path, query)
        return _integration_response(self._integration(event))

    def proxy_event(
        self,
        request: HttpRequest,
        route: Route,
        params: Mapping[str, str],
        path: str,
        query: str,
    ) -> dict[str, Any]:
        """The REST API v1 proxy event for ``request`` on ``route``."""
        from tools.local.contract import path_slug  # noqa: PLC0415 - see the import above

        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        multi_query: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            multi_query.setdefault(name, []).append(value)
        body, is_base64 = _event_body(request.body)
        now = datetime.now(UTC)
        request_id = str(uuid.uuid4())
        api_key = _header(request.headers, API_KEY_HEADER)
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": route.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": dict(params) or None,
            "stageVariables": None,
            "requestContext": {
                # An opaque id per API Gateway resource (path) in AWS; locally the path's slug.
                "resourceId": path_slug(route.path),
                "resourcePath": route.path,
                "httpMethod": route.method,
                "extendedRequestId": request_id,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "path": f"/{self.stage}{path}",
                "accountId": self.account_id,
                "protocol": "HTTP/1.1",
                "stage": self.stage,
                "domainPrefix": "127",
                "requestTimeEpoch": int(time.time() * 1000),
                "requestId": request_id,
                "identity": {
                    "sourceIp": request.source_ip,
                    "userAgent": _header(request.headers, "user-agent"),
                    "apiKey": api_key if route.api_key_required else None,
                    "apiKeyId": "local-key" if route.api_key_required else None,
                    "accountId": None,
                    "caller": None,
                    "user": None,
                    "userArn": None,
                    "cognitoIdentityPoolId": None,
                    "cognitoIdentityId": None,
                    "cognitoAuthenticationType": None,
                    "cognitoAuthenticationProvider": None,
                    "accessKey": None,
                    "principalOrgId": None,
                },
                "domainName": "127.0.0.1",
                "apiId": self.api_id,
            },
            "body": body,
            "isBase64Encoded": is_base64,
        }


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def _event_body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    # No binary media types are configured on the API: a text body is passed as text.
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def _integration_response(result: Any) -> HttpResponse:
    """The client's response from the proxy result; 502 when it is not a valid one."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        return _json_response(502, BAD_GATEWAY, "InternalServerErrorException")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    for name, values in multi.items():
        headers.extend((str(name), str(v)) for v in values)
    for name, value in single.items():
        if name not in multi:
            headers.append((str(name), str(value)))
    body = result.get("body") or ""
    if not isinstance(body, str):
        return _json_response(502, BAD_GATEWAY, "InternalServerErrorException")
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
    return HttpResponse(status=int(result["statusCode"]), headers=headers, body=raw)
