"""Custom metrics the aggregator publishes and the alarms and dashboard watch."""

from __future__ import annotations

AGGREGATOR_SERVICE = "aggregator"
"""Value of the ``service`` dimension of the aggregator's metrics (whatever its log service is)."""
HEARTBEAT_METRIC = "AggregatorHeartbeat"
"""1 per healthy run; its absence for a few schedule periods is the critical alarm."""
QUERY_ERRORS_METRIC = "AggregatorQueryErrors"
"""GetMetricData queries of a run that came back InternalError or Forbidden."""
SKIPPED_VALUES_METRIC = "AggregatorSkippedValues"
"""Datapoints of a run that DynamoDB cannot store (not finite, out of its number range)."""
ALERT_SUBSCRIPTIONS_METRIC = "AlertSubscriptionsConfirmed"
"""Confirmed subscriptions of the alert topic (GetTopicAttributes), once per run: SNS drops a
topic's subscriptions with it, so a re-created topic has none until the owners confirm again."""
MAX_FAILED_QUERY_SHARE = 0.1
"""A run whose failed queries exceed this share of all its queries is not healthy."""

DYNAMODB_OPERATIONS = ("BatchWriteItem", "PutItem", "Query", "GetItem")
"""Operations performed on the metrics table: the aggregator writes with BatchWriteItem, the API
reads with Query and GetItem, PutItem is what an ad-hoc writer would use. The aggregator copies
their per-operation DynamoDB metrics and the alarms sum them: both read this one list."""
