"""Benchmark of one aggregator run: API calls and wall time for 100, 1,000 and 5,000 queries.

Stub clients count calls and produce 15 datapoints a query (15-minute lookback, 60 s period);
no network, no AWS. Prints a table next to the minimum possible calls
(ceil(queries/500) GetMetricData, ceil(items/25) BatchWriteItem); asserts nothing.

    venv/bin/python bench/aggregator.py
"""

from __future__ import annotations

import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
sys.path[:0] = [str(_FUNCTIONS / "metric_aggregator"), str(_FUNCTIONS / "shared")]

from aggregator.fetch import fetch_metric_data  # noqa: E402
from aggregator.items import to_items  # noqa: E402
from aggregator.queries import aligned_window, build_queries  # noqa: E402
from aggregator.retry import Deadline  # noqa: E402
from aggregator.writer import write_items  # noqa: E402
from analytics_contract.sources import MetricSources  # noqa: E402

PERIOD = 60
LOOKBACK_MINUTES = 15


class StubCloudWatch:
    """GetMetricData that returns a full window of datapoints for every query."""

    def __init__(self) -> None:
        self.calls = 0

    def get_metric_data(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        start: datetime = params["StartTime"]
        end: datetime = params["EndTime"]
        steps = int((end - start).total_seconds()) // PERIOD
        stamps = [start + timedelta(seconds=PERIOD * i) for i in range(steps)]
        return {
            "MetricDataResults": [
                {
                    "Id": q["Id"],
                    "Timestamps": stamps,
                    "Values": [float(i) * 1.5 for i in range(steps)],
                    "StatusCode": "Complete",
                }
                for q in params["MetricDataQueries"]
            ]
        }


class StubDynamoDB:
    """BatchWriteItem that leaves a share of each first attempt unprocessed."""

    def __init__(self, unprocessed_share: float) -> None:
        self.calls = 0
        self.largest = 0
        self.stored: set[tuple[str, str]] = set()
        self.share = unprocessed_share
        self._rng = random.Random(7)

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        ((table, requests),) = RequestItems.items()
        self.largest = max(self.largest, len(requests))
        left = []
        for request in requests:
            if self._rng.random() < self.share:
                left.append(request)
            else:
                item = request["PutRequest"]["Item"]
                self.stored.add((item["pk"]["S"], item["sk"]["S"]))
        return {"UnprocessedItems": {table: left} if left else {}}


def _queries(count: int) -> list[Any]:
    functions = tuple(f"cw-analytics-bench-fn-{i}" for i in range(count // 5 + 1))
    sources = MetricSources(
        api_name="cw-analytics-bench-api",
        api_stage="v1",
        functions=functions,
        db="cw-analytics-bench-db",
        table="cw-analytics-bench-metrics",
        namespace="cw-analytics/bench",
    )
    return build_queries(sources, PERIOD)[:count]


def run(count: int, unprocessed_share: float) -> dict[str, Any]:
    """One run's pipeline (fetch, items, write) against the stubs."""
    cloudwatch, dynamodb = StubCloudWatch(), StubDynamoDB(unprocessed_share)
    queries = _queries(count)
    window = aligned_window(datetime(2026, 11, 28, 12, 0, tzinfo=UTC).timestamp(), 15, PERIOD)
    started = time.perf_counter()
    deadline = Deadline.after(600)
    fetched = fetch_metric_data(cloudwatch, queries, window.start, window.end, deadline=deadline)
    batch = to_items(fetched.datapoints, 30)
    written = write_items(dynamodb, "bench", batch.items, deadline, sleep=lambda _s: None)
    elapsed = time.perf_counter() - started
    return {
        "queries": count,
        "datapoints": len(fetched.datapoints),
        "items": len(batch.items),
        "gmd": cloudwatch.calls,
        "gmd_min": math.ceil(count / 500),
        "bwi": dynamodb.calls,
        "bwi_min": math.ceil(len(batch.items) / 25),
        "retries": written.retries,
        "lost": len(batch.items) - len(dynamodb.stored),
        "largest": dynamodb.largest,
        "ms": elapsed * 1000,
    }


def main() -> None:
    header = (
        f"{'queries':>7} {'unproc':>6} {'datapoints':>10} {'items':>7} {'GMD calls':>9} "
        f"{'min':>4} {'BWI calls':>9} {'min':>5} {'retries':>7} {'max batch':>9} {'lost':>4} "
        f"{'wall ms':>8}"
    )
    print("aggregator run against stub clients (backoff sleeps skipped; best of 3)")
    print("unproc = share of each BatchWriteItem's items the stub leaves unprocessed")
    print(header)
    print("-" * len(header))
    for share in (0.0, 0.1):
        for count in (100, 1000, 5000):
            best = min((run(count, share) for _ in range(3)), key=lambda r: r["ms"])
            print(
                f"{best['queries']:>7} {share:>6.0%} {best['datapoints']:>10} {best['items']:>7} "
                f"{best['gmd']:>9} {best['gmd_min']:>4} {best['bwi']:>9} {best['bwi_min']:>5} "
                f"{best['retries']:>7} {best['largest']:>9} {best['lost']:>4} {best['ms']:>8.1f}"
            )


if __name__ == "__main__":
    main()
