"""Copy CloudWatch metrics of the watched resources into the DynamoDB metrics table.

Plain functions taking values and injected clients; ``handler.py`` only wires them to Lambda.
"""

from analytics_contract.sources import (
    MetricSources,
    SourcesError,
    encode_metric_sources,
    parse_metric_sources,
)

from aggregator.fetch import Datapoint, FetchResult, fetch_metric_data
from aggregator.items import catalogue_items, chunk_items, to_items
from aggregator.queries import MetricQuery, Window, aligned_window, build_queries
from aggregator.retry import Deadline, DeadlineExceeded
from aggregator.writer import WriteIncomplete, WriteResult, write_items

__all__ = [
    "Datapoint",
    "Deadline",
    "DeadlineExceeded",
    "FetchResult",
    "MetricQuery",
    "MetricSources",
    "SourcesError",
    "Window",
    "WriteIncomplete",
    "WriteResult",
    "aligned_window",
    "build_queries",
    "catalogue_items",
    "chunk_items",
    "encode_metric_sources",
    "fetch_metric_data",
    "parse_metric_sources",
    "to_items",
    "write_items",
]
