"""CloudWatch embedded metric format (EMF) log lines → metric datums, PutMetricData's shape.

In AWS, CloudWatch Logs extracts metrics from EMF lines a function prints; locally the same
lines are read from the worker's stdout and their datums stored in the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class MetricPut:
    """A namespace and its datums, in PutMetricData's (boto3's) shape."""

    namespace: str
    metric_data: list[dict[str, Any]]


def _values(raw: Any) -> list[float]:
    items = raw if isinstance(raw, list) else [raw]
    return [float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool)]


def parse_emf(line: str) -> list[MetricPut]:
    """The metric puts an EMF line stands for; ``[]`` for any other line (plain logs)."""
    if not line.startswith("{"):
        return []
    try:
        doc = json.loads(line)
    except ValueError:
        return []
    meta = doc.get("_aws") if isinstance(doc, Mapping) else None
    if not isinstance(meta, Mapping) or not isinstance(meta.get("CloudWatchMetrics"), list):
        return []
    stamp = meta.get("Timestamp")
    timestamp = (
        datetime.fromtimestamp(stamp / 1000, tz=UTC)
        if isinstance(stamp, int | float)
        else datetime.now(UTC)
    )
    puts: list[MetricPut] = []
    for directive in meta["CloudWatchMetrics"]:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str):
            continue
        data: list[dict[str, Any]] = []
        for dimension_set in directive.get("Dimensions") or [[]]:
            if any(name not in doc for name in dimension_set):
                continue  # CloudWatch drops a dimension set whose values are missing
            dimensions = [{"Name": n, "Value": str(doc[n])} for n in dimension_set]
            for metric in directive.get("Metrics") or []:
                name = metric.get("Name")
                for value in _values(doc.get(name)):
                    datum: dict[str, Any] = {
                        "MetricName": name,
                        "Dimensions": dimensions,
                        "Timestamp": timestamp,
                        "Value": value,
                    }
                    if metric.get("Unit"):
                        datum["Unit"] = metric["Unit"]
                    if metric.get("StorageResolution") == 1:
                        datum["StorageResolution"] = 1
                    data.append(datum)
        if data:
            puts.append(MetricPut(namespace=namespace, metric_data=data))
    return puts
