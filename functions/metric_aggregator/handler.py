"""Lambda entry point (``handler.handler``): EventBridge scheduled event -> one aggregation run.

The event's content is not read: every invocation aggregates the window before its own start.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any

import boto3
from aggregator.run import Runtime, build_runtime, run_aggregation
from aggregator.subscribers import confirmed_subscriptions
from analytics_contract.metrics import (
    AGGREGATOR_SERVICE,
    ALERT_SUBSCRIPTIONS_METRIC,
    HEARTBEAT_METRIC,
    QUERY_ERRORS_METRIC,
    SKIPPED_VALUES_METRIC,
)
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

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


@functools.cache
def sns_client() -> Any:
    """The SNS client that reads the alert topic's subscriptions."""
    return boto3.client("sns")


def publish_alert_subscriptions(topic_arn: str | None) -> None:
    """Publish how many confirmed subscriptions the alert topic has; skip it when unknown.

    A failed read publishes nothing (the alarm treats missing data as fine, the heartbeat and
    the log line tell), rather than a 0 that would claim the subscribers are gone.
    """
    if not topic_arn:
        return
    try:
        count = confirmed_subscriptions(sns_client(), topic_arn)
    except (BotoCoreError, ClientError):
        logger.exception("could not read the alert topic's subscriptions")
        return
    metrics.add_metric(ALERT_SUBSCRIPTIONS_METRIC, MetricUnit.Count, count)
    if count == 0:
        logger.warning("the alert topic has no confirmed subscription: alarms reach no one")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Aggregate the lookback window; raise on any loss so EventBridge retries (then the DLQ).

    Query errors and skipped values are published on every run (zero included); the heartbeat
    only for a healthy run, so a run that cannot read its metrics stops it like a crash would.
    """
    stats = run_aggregation(runtime(), context.get_remaining_time_in_millis())
    publish_alert_subscriptions(os.environ.get("ALERT_TOPIC_ARN"))
    metrics.add_metric(QUERY_ERRORS_METRIC, MetricUnit.Count, stats.query_errors)
    metrics.add_metric(SKIPPED_VALUES_METRIC, MetricUnit.Count, stats.skipped_values)
    if stats.healthy:
        metrics.add_metric(HEARTBEAT_METRIC, MetricUnit.Count, 1)
        logger.info("aggregation run", extra=stats.as_dict())
    else:
        logger.error("aggregation run unhealthy: too many queries failed", extra=stats.as_dict())
    return stats.as_dict()
