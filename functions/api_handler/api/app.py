"""The REST resolver, error mapping (one place), 404/405, and per-request EMF metrics."""

from __future__ import annotations

import os
import re
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit

from api.errors import ApiError, MethodNotAllowed, NotFound, error_body
from api.routes import events, health, metrics

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "api")
metrics_logger = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "cw-analytics",
    service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "api",
)

# (label used in metrics, path pattern, methods). Powertools knows the routes too, but not
# which methods a path has: this table answers 405 + Allow and names routes in metrics.
ROUTES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("/health", re.compile(r"/health"), ("GET",)),
    ("/metrics", re.compile(r"/metrics"), ("GET",)),
    ("/metrics/{series}", re.compile(r"/metrics/[^/]+"), ("GET",)),
    ("/events", re.compile(r"/events"), ("POST",)),
    ("/events/summary", re.compile(r"/events/summary"), ("GET",)),
)
UNMATCHED = "unmatched"

app = APIGatewayRestResolver()
app.include_router(health.router)
app.include_router(metrics.router)
app.include_router(events.router)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The one JSON error response shape."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message),
        headers=headers or {},
    )


@app.exception_handler(ApiError)
def handle_api_error(exc: ApiError) -> Response:
    """Domain errors to HTTP."""
    if exc.status >= 500:
        logger.warning("request failed", extra={"code": exc.code, "reason": exc.message})
    return error_response(exc.status, exc.code, exc.message, exc.headers)


@app.exception_handler(Exception)
def handle_unexpected(exc: Exception) -> Response:
    """Anything else: log it with its stack, answer a 500 JSON (never a 502, never a trace)."""
    logger.exception("unhandled error")
    return error_response(500, "internal_error", "internal error")


def route_of(method: str, path: str) -> tuple[str, tuple[str, ...]]:
    """The route label a path belongs to and the methods it allows (``unmatched``, () if none)."""
    for label, pattern, methods in ROUTES:
        if pattern.fullmatch(path):
            return label, methods
    return UNMATCHED, ()


@app.not_found
def handle_not_found(_exc: NotFoundError) -> Response:
    """404 for unknown paths; 405 with Allow for a known path and the wrong method."""
    event = app.current_event
    method = (event.http_method or "").upper()
    _, allowed = route_of(method, event.path or "/")
    if allowed:
        return handle_api_error(MethodNotAllowed(method, list(allowed)))
    return handle_api_error(NotFound(f"no route for {method} {event.path}"[:300]))


def normalise_path(path: Any) -> str:
    """Trailing slashes do not matter (``/metrics/`` is ``/metrics``); a missing path is ``/``."""
    if not isinstance(path, str) or not path:
        return "/"
    stripped = path.rstrip("/")
    return stripped or "/"


def record_request(method: str, path: str, status: int) -> None:
    """EMF: ``Requests`` (service only), ``Errors`` on 5xx, ``RouteRequests`` by route/status."""
    metrics_logger.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    if status >= 500:
        metrics_logger.add_metric(name="Errors", unit=MetricUnit.Count, value=1)
    label, allowed = route_of(method, path)
    if label != UNMATCHED and method not in allowed:
        label = UNMATCHED
    with single_metric(
        name="RouteRequests",
        unit=MetricUnit.Count,
        value=1,
        namespace=metrics_logger.namespace,
        default_dimensions={"service": metrics_logger.service or "api"},
    ) as metric:
        metric.add_dimension(name="route", value=label)
        metric.add_dimension(name="status", value=str(status))


def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route one API Gateway v1 proxy event; always returns a JSON response, never raises."""
    method = "UNKNOWN"
    path = "/"
    started = time.perf_counter()
    try:
        if not isinstance(event, dict):
            raise TypeError("event is not an object")
        path = normalise_path(event.get("path"))
        method = str(event.get("httpMethod") or "UNKNOWN").upper()
        event = {**event, "path": path, "httpMethod": method}
        response = app.resolve(event, context)
    except Exception:  # noqa: BLE001 - the last line before API Gateway's 502
        logger.exception("request could not be resolved")
        response = {
            "statusCode": 500,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": '{"error":{"code":"internal_error","message":"internal error"}}',
            "isBase64Encoded": False,
        }
    try:
        status = int(response.get("statusCode", 500))
        record_request(method, path, status)
        logger.info(
            "request handled",
            extra={
                "http_method": method,
                "route": route_of(method, path)[0],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
    except Exception:  # noqa: BLE001 - metrics must never turn an answer into a 502
        logger.exception("could not record request metrics")
    return response
