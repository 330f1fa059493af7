"""GET /metrics and GET /metrics/{series}: what the aggregator wrote to DynamoDB."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from api import deps, metrics_store
from api.errors import NotFound
from api.validation import parse_epoch_range, parse_page, validate_series_id

router = APIGatewayRouter()


@router.get("/metrics")
def list_metrics() -> dict[str, Any]:
    """Every series in the catalogue with its latest datapoint."""
    page = parse_page(router.current_event.query_string_parameters)
    c = deps.container()
    return metrics_store.list_series(
        c.dynamodb,
        c.settings.metrics_table,
        limit=page.limit,
        token=page.next_token,
        now=int(time.time()),
    )


@router.get("/metrics/<series>")
def get_metric(series: str) -> dict[str, Any]:
    """Datapoints of one series, newest first, paginated."""
    validate_series_id(series)
    params = router.current_event.query_string_parameters
    page = parse_page(params)
    now = datetime.now(UTC)
    start, end = parse_epoch_range(params, now)
    c = deps.container()
    result = metrics_store.get_datapoints(
        c.dynamodb,
        c.settings.metrics_table,
        series,
        start=start,
        end=end,
        limit=page.limit,
        token=page.next_token,
        now=int(now.timestamp()),
    )
    if result is None:
        raise NotFound(f"series {series} not found")
    return result
