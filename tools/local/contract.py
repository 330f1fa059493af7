"""The one place the local system and its tests take the API's and the aggregator's contract from.

The route table is the one the API component builds its resources from; the series ids are the
ones the aggregator's query catalogue writes. Nothing here restates either: when the contract
moves, only these imports change.
"""

from __future__ import annotations

import sys
from pathlib import Path

from components.api_routes import ROUTES, Route

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
API_HANDLER_DIR = FUNCTIONS_DIR / "api_handler"
AGGREGATOR_DIR = FUNCTIONS_DIR / "metric_aggregator"

# Each function's code is a top-level package in its Lambda archive (``api``, ``aggregator``).
if str(AGGREGATOR_DIR) not in sys.path:
    sys.path.append(str(AGGREGATOR_DIR))

from aggregator.queries import build_queries  # noqa: E402
from aggregator.sources import parse_metric_sources  # noqa: E402


def routes() -> tuple[Route, ...]:
    """The API's routes: method, path template, whether the usage plan's key is required."""
    return ROUTES


def custom_series_id(metric_sources: str, period: int, service: str, metric: str) -> str:
    """The series id the aggregator writes for a custom (EMF) metric of ``service``.

    ``metric_sources`` and ``period`` are the aggregator's ``METRIC_SOURCES`` and
    ``PERIOD_SECONDS``; a ``KeyError`` says the catalogue does not copy that metric.
    """
    sources = parse_metric_sources(metric_sources)
    for query in build_queries(sources, period):
        if (
            query.namespace == sources.namespace
            and query.metric == metric
            and dict(query.dimensions).get("service") == service
        ):
            return query.series_id
    raise KeyError(f"the aggregator copies no custom metric {metric} of service {service}")


__all__ = [
    "AGGREGATOR_DIR",
    "API_HANDLER_DIR",
    "REPO_ROOT",
    "Route",
    "custom_series_id",
    "routes",
]
