"""The one place the local system and its tests take the API's and the aggregator's contract from.

The routes and the handler's request metric come from the shared contract package both functions
carry (``functions/shared/analytics_contract``); the series ids are the ones the aggregator's
query catalogue writes. Nothing here restates either: when the contract moves, only these
imports change.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import functions.shared.analytics_contract as _shared_contract
from functions.shared.analytics_contract.routes import (
    API_SERVICE,
    ROUTE_LABELS,
    ROUTE_METRIC,
    ROUTES,
    STATUS_LABELS,
    UNMATCHED,
    Route,
    path_slug,
    route_metric_dimensions,
    status_label,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
API_HANDLER_DIR = FUNCTIONS_DIR / "api_handler"
AGGREGATOR_DIR = FUNCTIONS_DIR / "metric_aggregator"
SHARED_DIR = Path(_shared_contract.__file__).resolve().parents[1]
"""The directory holding the shared contract package: its contents sit at the root of every
function's archive, next to the function's own code, so both import ``analytics_contract``."""

# Each function's code is a top-level package in its Lambda archive (``api``, ``aggregator``).
for _directory in (SHARED_DIR, AGGREGATOR_DIR):
    if str(_directory) not in sys.path:
        sys.path.append(str(_directory))

from aggregator import parse_metric_sources  # noqa: E402
from aggregator.queries import build_queries  # noqa: E402


def routes() -> tuple[Route, ...]:
    """The API's routes: method, path template, whether the usage plan's key is required."""
    return ROUTES


def route_request_dimensions(route: str, status: int | str) -> dict[str, str]:
    """The dimensions of the handler's ``ROUTE_METRIC`` for a request answered with ``status``
    (a code, or one of ``STATUS_LABELS``) on ``route`` (a contract path, or ``UNMATCHED``)."""
    label = status if isinstance(status, str) else status_label(status)
    return dict(route_metric_dimensions(route, label))


def series_id(
    metric_sources: str,
    period: int,
    *,
    namespace: str,
    metric: str,
    stat: str,
    dimensions: Mapping[str, str],
) -> str:
    """The series id the aggregator writes for one CloudWatch metric and statistic.

    ``metric_sources`` and ``period`` are the aggregator's ``METRIC_SOURCES`` and
    ``PERIOD_SECONDS``; a ``KeyError`` says the aggregator does not copy that metric.
    """
    for query in build_queries(parse_metric_sources(metric_sources), period):
        if (
            query.namespace == namespace
            and query.metric == metric
            and query.stat == stat
            and dict(query.dimensions) == dict(dimensions)
        ):
            return str(query.series_id)
    raise KeyError(f"the aggregator copies no {namespace} {metric} {stat} for {dict(dimensions)}")


def custom_namespace(metric_sources: str) -> str:
    """The namespace of the functions' own (EMF) metrics, as the aggregator reads it."""
    return str(parse_metric_sources(metric_sources).namespace)


__all__ = [
    "AGGREGATOR_DIR",
    "API_HANDLER_DIR",
    "API_SERVICE",
    "REPO_ROOT",
    "ROUTE_LABELS",
    "ROUTE_METRIC",
    "SHARED_DIR",
    "STATUS_LABELS",
    "UNMATCHED",
    "Route",
    "custom_namespace",
    "path_slug",
    "route_request_dimensions",
    "routes",
    "series_id",
]
