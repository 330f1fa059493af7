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

UNMATCHED = "unmatched"
"""Route label of a request that matches no route (or not with its method)."""

ROUTE_METRIC = "RouteRequests"
"""The handler's one request metric (EMF, Count, 1 per request), in the stack's namespace."""
ROUTE_METRIC_DIMENSIONS = ("service", "route", "status")
"""Its dimensions: the function's service name, the contract path (or ``unmatched``), the
exact status code."""


def route_for(method: str, path: str) -> Route | None:
    """The route serving ``method`` on a request ``path``, or None."""
    for route in ROUTES:
        if route.method == method and route.matches(path):
            return route
    return None


def allowed_methods(path: str) -> list[str]:
    """Methods the contract serves on a request ``path`` (empty for an unknown path)."""
    return [route.method for route in ROUTES if route.matches(path)]
