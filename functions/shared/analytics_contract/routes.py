"""The API's route contract: the one table API Gateway is built from and the handler serves.

Pure data, no imports beyond the standard library: the API component reads it to create
resources, methods, integrations and invoke permissions, and the Lambda archive carries it so
the handler can name routes and answer 405 with the methods a path really has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Route:
    """One route: what API Gateway exposes and the handler must register, nothing else."""

    method: str
    """HTTP method, upper case."""
    path: str
    """API Gateway resource path; ``{name}`` marks one path segment as a parameter."""
    api_key_required: bool = False
    """Whether API Gateway demands an ``x-api-key`` header (a usage plan key)."""
    summary: str = ""
    """One line for the API reference."""

    @property
    def path_parameters(self) -> list[str]:
        """Names of the ``{parameters}`` in the path, in order."""
        return _PARAMETER.findall(self.path)

    @property
    def resolver_rule(self) -> str:
        """The same path in Powertools' event handler syntax (``<name>`` for a parameter)."""
        return _PARAMETER.sub(r"<\1>", self.path)

    def matches(self, path: str) -> bool:
        """Whether a request path (parameters filled in) is this route's path.

        Trailing slashes do not count, as in the resolver; a parameter is one non-empty segment.
        """
        want = self.path.strip("/").split("/")
        got = path.rstrip("/").split("/")
        if got[0] != "" or len(got) - 1 != len(want):
            return False
        return all(
            (w.startswith("{") and g != "") or w == g for w, g in zip(want, got[1:], strict=True)
        )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", summary="Reachability of PostgreSQL and the metrics table"),
    Route("GET", "/metrics", summary="Every aggregated series with its latest datapoint"),
    Route("GET", "/metrics/{series}", summary="Datapoints of one series, newest first"),
    # The only write: callers need a key so the usage plan can throttle them apart.
    Route("POST", "/events", api_key_required=True, summary="Store one event"),
    Route("GET", "/events/summary", summary="count, sum, avg and p95 of an event per bucket"),
)
"""Every route of the API, in the order API Gateway resources are created."""


def allowed_methods(path: str) -> list[str]:
    """Methods the contract serves on a request ``path`` (empty for an unknown path)."""
    return [route.method for route in ROUTES if route.matches(path)]


UNMATCHED = "unmatched"
"""Route label of a request that matches no route (or not with its method)."""

ROUTE_METRIC = "RouteRequests"
"""The handler's one request metric (EMF, Count, 1 per request), in the stack's namespace."""
ROUTE_METRIC_DIMENSIONS = ("service", "route", "status")
"""Its dimensions: ``API_SERVICE``, a route label (``ROUTE_LABELS``), a status label
(``STATUS_LABELS``)."""
API_SERVICE = "api"
"""Value of the ``service`` dimension of ``ROUTE_METRIC``, whatever the function's log service
name is: the aggregator asks CloudWatch for exactly this value."""

ROUTE_LABELS: tuple[str, ...] = (*dict.fromkeys(route.path for route in ROUTES), UNMATCHED)
"""Every value of the ``route`` dimension: each contract path once, then ``unmatched``."""

# GetMetricData has no wildcard on a dimension value (a SEARCH expression is billed too, and
# moto cannot evaluate one): the aggregator asks for every series by its exact dimensions.
# So the status is a small closed set of labels rather than the code: the set of series stays
# routes x labels, and a 503 (a dependency is down) still stands apart from a 500 (a bug).
STATUS_LABELS = ("2xx", "4xx", "500", "503", "5xx", "other")
"""Every value of the ``status`` dimension; ``other`` (1xx, 3xx, not HTTP) should stay empty."""

# A slug becomes part of a series id (``<source>.<resource>.<metric>.<stat>``), so no dots.
_SLUG = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*")


def status_label(status: int) -> str:
    """The ``status`` dimension of a response: ``2xx``, ``4xx``, ``500``, ``503``, ``5xx``,
    or ``other`` for anything the handler is not expected to answer."""
    if status in (500, 503):
        return str(status)
    if 200 <= status <= 299:
        return "2xx"
    if 400 <= status <= 499:
        return "4xx"
    if 500 <= status <= 599:
        return "5xx"
    return "other"


def path_slug(path: str) -> str:
    """``/metrics/{series}`` → ``metrics-series`` (``unmatched`` stays ``unmatched``)."""
    return "-".join(part.strip("{}") for part in path.strip("/").split("/"))


def route_label_slug(label: str) -> str:
    """The route label as it appears in series ids; ValueError when the label has no usable slug
    (empty, or characters a series id part cannot hold)."""
    slug = path_slug(label)
    if not _SLUG.fullmatch(slug):
        raise ValueError(
            f"route {label!r} gives the slug {slug!r}, which must match {_SLUG.pattern}"
            " (it becomes part of series ids)"
        )
    return slug


def route_metric_dimensions(route: str, status: str) -> tuple[tuple[str, str], ...]:
    """``ROUTE_METRIC``'s dimensions, in order, for a route label and a status label."""
    return tuple(zip(ROUTE_METRIC_DIMENSIONS, (API_SERVICE, route, status), strict=True))
