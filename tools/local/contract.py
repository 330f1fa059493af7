"""The one place the local system and its tests take the API's and the aggregator's contract from.

The route table is the one the API component builds its resources from; the series ids are the
ones the aggregator's query catalogue writes. Nothing here restates either: when the contract
moves, only these imports change.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from components.api.routes import ROUTES, Route

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
API_HANDLER_DIR = FUNCTIONS_DIR / "api_handler"
AGGREGATOR_DIR = FUNCTIONS_DIR / "metric_aggregator"

# Each function's code is a top-level package in its Lambda archive (``api``, ``aggregator``).
if str(AGGREGATOR_DIR) not in sys.path:
    sys.path.append(str(AGGREGATOR_DIR))

from aggregator.queries import build_queries  # noqa: E402
from aggregator.sources import parse_metric_sources  # noqa: E402

# The metric the API handler adds once per request it answers (``api.app.record_request``),
# with the dimension ``service`` set to its POWERTOOLS_SERVICE_NAME.
HANDLER_REQUESTS_METRIC = "Requests"


def routes() -> tuple[Route, ...]:
    """The API's routes: method, path template, whether the usage plan's key is required."""
    return ROUTES


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
            return query.series_id
    raise KeyError(f"the aggregator copies no {namespace} {metric} {stat} for {dict(dimensions)}")


def custom_namespace(metric_sources: str) -> str:
    """The namespace of the functions' own (EMF) metrics, as the aggregator reads it."""
    return parse_metric_sources(metric_sources).namespace


__all__ = [
    "AGGREGATOR_DIR",
    "API_HANDLER_DIR",
    "HANDLER_REQUESTS_METRIC",
    "REPO_ROOT",
    "Route",
    "custom_namespace",
    "series_id",
    "routes",
]
