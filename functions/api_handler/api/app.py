"""The REST resolver, error mapping (one place), 404/405, and the per-route request metric."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any

from analytics_contract.routes import (
    ROUTE_METRIC,
    ROUTES,
    UNMATCHED,
    allowed_methods,
    route_metric_dimensions,
    status_label,
)
from aws_lambda_powertools import Logger, single_metric
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.metrics import MetricUnit

from api import deadline
from api.errors import ApiError, MethodNotAllowed, NotFound, error_body
from api.routes import events, health, metrics

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "api"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "cw-analytics"
logger = Logger(service=SERVICE)
INTERNAL_ERROR_BODY = '{"error":{"code":"internal_error","message":"internal error"}}'

ROUTE_LABEL_OF_RULE = {(route.method, route.resolver_rule): route.path for route in ROUTES}
"""(method, resolver rule) of each registered route -> its contract path, the route label."""

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
    """Domain errors to HTTP; the reason behind a 5xx goes to the log, never to the client."""
    if exc.status >= 500:
        logger.warning("request failed", extra={"code": exc.code, "reason": exc.reason})
    return error_response(exc.status, exc.code, exc.message, exc.headers)


@app.exception_handler(Exception)
def handle_unexpected(exc: Exception) -> Response:
    """Anything else: log it with its stack, answer a 500 JSON (never a 502, never a trace)."""
    logger.exception("unhandled error")
    return error_response(500, "internal_error", "internal error")


@app.not_found
def handle_not_found(_exc: NotFoundError) -> Response:
    """404 when the resolver matched nothing; 405 with Allow only when the path has routes and
    the method is not among them. A path the contract's shape accepts but the resolver does not
    (a series id with a quote, say) is a 404, never a 405 that allows the method it refused."""
    event = app.current_event
    method = event.http_method.upper()
    allowed = allowed_methods(event.path)
    if allowed and method not in allowed:
        return handle_api_error(MethodNotAllowed(method, allowed))
    return handle_api_error(NotFound(f"no route for {method} {event.path}"[:300]))


def matched_route_label(resolver: APIGatewayRestResolver) -> str:
    """The contract path of the route the resolver matched, or ``unmatched``: what served the
    request, not a second opinion on its path."""
    route = resolver.context.get("_route")
    if route is None:
        return UNMATCHED
    return ROUTE_LABEL_OF_RULE.get((route.method, route.path), UNMATCHED)


def record_request(route: str, status: int) -> None:
    """EMF: one ``RouteRequests`` count with the route and status dimensions.

    The only request metric the handler writes. API Gateway's stage metrics count requests and
    4XX/5XX classes already; this one tells a 503 (a dependency) from a 500 (a bug) per route,
    and a request that reached the function on no route of the contract (``unmatched``) means
    API Gateway and the handler disagree. The status is the contract's label (``2xx``, ``503``…),
    not the code: the aggregator can only copy series whose dimensions it can list in advance.
    """
    with single_metric(
        name=ROUTE_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=NAMESPACE,
    ) as metric:
        for name, value in route_metric_dimensions(route, status_label(status)):
            metric.add_dimension(name=name, value=value)


def request_log(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """Around every request (matched or not): its metric and one ``request handled`` line.

    Exception handlers run outside the middleware chain, so an error's status is read from the
    domain error itself (any other exception becomes the 500 of ``handle_unexpected``).
    """
    started = time.perf_counter()
    deadline.start(app.lambda_context)
    method = app.current_event.http_method.upper()
    label = matched_route_label(app)
    status = 500
    try:
        response = next_middleware(app)
        status = response.status_code
        return response
    except ApiError as exc:
        status = exc.status
        raise
    finally:
        try:
            record_request(label, status)
            logger.info(
                "request handled",
                extra={
                    "http_method": method,
                    "route": label,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        except Exception:  # noqa: BLE001 - metrics must never turn an answer into a 502
            logger.exception("could not record the request")


app.use(middlewares=[request_log])


PROXY_EVENT_FIELDS = ("httpMethod", "path")
"""What the resolver routes on; a direct invoke (a console test, `aws lambda invoke`) may lack."""


def missing_proxy_fields(event: Any) -> list[str]:
    """The routing fields ``event`` lacks (absent, null, empty or not a string), in order."""
    if not isinstance(event, Mapping):
        return list(PROXY_EVENT_FIELDS)
    return [
        name
        for name in PROXY_EVENT_FIELDS
        if not isinstance(event.get(name), str) or not event[name]
    ]


def bad_event_response(missing: list[str]) -> dict[str, Any]:
    """400 for an event that is not an API Gateway proxy event, naming the missing fields."""
    message = (
        f"not an API Gateway proxy event: missing {', '.join(missing)} "
        "(invoke the function through the API, or send a REST API v1 proxy event)"
    )
    return {
        "statusCode": 400,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(error_body("bad_request", message)),
        "isBase64Encoded": False,
    }


def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route one API Gateway v1 proxy event; always returns a JSON response, never raises.

    An event without ``httpMethod`` or ``path`` cannot be routed: a 400 names what is missing
    (the resolver would fail on it, and a 500 would blame the function for its caller's event).
    """
    missing = missing_proxy_fields(event)
    if missing:
        logger.warning("event is not an API Gateway proxy event", extra={"missing": missing})
        return bad_event_response(missing)
    try:
        return app.resolve(event, context)
    except Exception:  # noqa: BLE001 - an event API Gateway would never send: no 502 either
        logger.exception("request could not be resolved")
        return {
            "statusCode": 500,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": INTERNAL_ERROR_BODY,
            "isBase64Encoded": False,
        }
