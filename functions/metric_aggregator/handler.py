"""Lambda entry point (``handler.handler``): EventBridge scheduled event -> one aggregation run.

The event's content is not read: every invocation aggregates the window before its own start.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any

from aggregator.run import Runtime, build_runtime, run_aggregation
from analytics_contract.metrics import (
    AGGREGATOR_SERVICE,
    HEARTBEAT_METRIC,
    QUERY_ERRORS_METRIC,
    SKIPPED_VALUES_METRIC,
)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# The service name comes from POWERTOOLS_SERVICE_NAME, read the same way by the child loggers of
# the aggregator's modules, so their lines go through this logger's JSON handler.
logger = Logger()
# The alarms watch service=aggregator whatever the function's log service name says.
metrics = Metrics(service=AGGREGATOR_SERVICE)
# A run that raises has published nothing; Powertools would say so in a plain-text warning, the
# one non-JSON line the function could write. The failure shows in Lambda's Errors metric and in
# the missing heartbeat instead.
warnings.filterwarnings("ignore", message="No application metrics to publish")


@functools.cache
def runtime() -> Runtime:
    """Settings and clients, built on the first invocation and kept for the container's life."""
    return build_runtime(os.environ)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Aggregate the lookback window; raise on any loss so EventBridge retries (then the DLQ).

    Query errors and skipped values are published on every run (zero included); the heartbeat
    only for a healthy run, so a run that cannot read its metrics stops it like a crash would.
    """
    stats = run_aggregation(runtime(), context.get_remaining_time_in_millis())
    metrics.add_metric(QUERY_ERRORS_METRIC, MetricUnit.Count, stats.query_errors)
    metrics.add_metric(SKIPPED_VALUES_METRIC, MetricUnit.Count, stats.skipped_values)
    if stats.healthy:
        metrics.add_metric(HEARTBEAT_METRIC, MetricUnit.Count, 1)
        logger.info("aggregation run", extra=stats.as_dict())
    else:
        logger.error("aggregation run unhealthy: too many queries failed", extra=stats.as_dict())
    return stats.as_dict()
