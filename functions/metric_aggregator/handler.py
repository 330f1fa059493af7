"""Lambda entry point (``handler.handler``): EventBridge scheduled event -> one aggregation run."""

from __future__ import annotations

import functools
import os
from typing import Any

from aggregator.run import Runtime, build_runtime, run_aggregation
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# The heartbeat alarm watches service=aggregator whatever the function's service name says.
HEARTBEAT_SERVICE = "aggregator"

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or HEARTBEAT_SERVICE)
metrics = Metrics(service=HEARTBEAT_SERVICE)


@functools.cache
def runtime() -> Runtime:
    """Settings and clients, built on the first invocation and kept for the container's life."""
    return build_runtime(os.environ)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Aggregate the lookback window; raise on any loss so EventBridge retries (then the DLQ)."""
    stats = run_aggregation(runtime(), context.get_remaining_time_in_millis())
    if stats.query_errors:
        metrics.add_metric("AggregatorQueryErrors", MetricUnit.Count, stats.query_errors)
    if stats.skipped_values:
        metrics.add_metric("AggregatorSkippedValues", MetricUnit.Count, stats.skipped_values)
    metrics.add_metric("AggregatorHeartbeat", MetricUnit.Count, 1)
    logger.info("aggregation run", extra=stats.as_dict())
    return stats.as_dict()
