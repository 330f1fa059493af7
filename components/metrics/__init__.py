"""The metric aggregator: the metrics table, the scheduled Lambda that fills it, and alarms."""

from .aggregator import MetricAggregator, MetricAggregatorArgs, WatchedResources

__all__ = ["MetricAggregator", "MetricAggregatorArgs", "WatchedResources"]
