"""Benchmark of one aggregator run: API calls and wall time for 100, 1,000 and 5,000 queries,
and how long the writer takes to drain when DynamoDB leaves items unprocessed.

First the deployed stack's own catalogue: how many queries one run asks, by source, and in how many
GetMetricData calls. Then stub clients count calls and produce 15 datapoints a query (15-minute
lookback, 60 s period); no network, no AWS. The first table prints calls next to the minimum
possible (ceil(queries/500) GetMetricData, ceil(items/25) BatchWriteItem). The second runs the
writer on a simulated clock (its real backoff sleeps, plus a modelled latency per BatchWriteItem
call) against the deadline of one run (the function's timeout minus the safety margin), over many
jitter seeds. The third throttles GetMetricData N times in a row (a real botocore client answered
at its HTTP layer, botocore's own sleeps on the simulated clock) and compares standard mode's 5
attempts (before) with the retries bounded by the run's deadline (after). Asserts nothing.

    venv/bin/python bench/aggregator.py
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

_FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
sys.path[:0] = [str(_FUNCTIONS / "metric_aggregator"), str(_FUNCTIONS / "shared")]

from aggregator.fetch import fetch_metric_data  # noqa: E402
from aggregator.items import to_items  # noqa: E402
from aggregator.queries import MAX_QUERIES_PER_CALL, aligned_window, build_queries  # noqa: E402
from aggregator.retry import Deadline  # noqa: E402
from aggregator.run import BOTO_CONFIG  # noqa: E402
from aggregator.writer import WriteIncomplete, write_items  # noqa: E402

# The deployed timeout (components/metrics/aggregator.py) minus the run's safety margin
# (aggregator/run.py).
RUN_DEADLINE_S = 120 - 5
# A BatchWriteItem of 25 small items in-region; the figure only shifts the totals.
CALL_LATENCY_S = 0.025
SEEDS = 50
from analytics_contract.sources import MetricSources  # noqa: E402

PERIOD = 60


class StubCloudWatch:
    """GetMetricData that returns a full window of datapoints for every query."""

    def __init__(self) -> None:
        from botocore.hooks import HierarchicalEmitter
        from botocore.model import ServiceId

        self.calls = 0
        # What the fetch code registers its deadline-bounded retries on.
        self.meta = SimpleNamespace(
            events=HierarchicalEmitter(),
            service_model=SimpleNamespace(service_id=ServiceId("CloudWatch")),
        )

    def get_paginator(self, operation: str) -> StubPaginator:
        """What the fetch code asks for; pages through ``get_metric_data`` like botocore's."""
        assert operation == "get_metric_data"
        return StubPaginator(self)

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


class StubPaginator:
    """Follows NextToken over the stub's pages (the stub never returns one)."""

    def __init__(self, client: StubCloudWatch) -> None:
        self.client = client

    def paginate(self, **params: Any) -> Any:
        """Yield every page."""
        while True:
            page = self.client.get_metric_data(**params)
            yield page
            if not page.get("NextToken"):
                return
            params = {**params, "NextToken": page["NextToken"]}


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


class FlakyDynamoDB:
    """BatchWriteItem that leaves chosen items unprocessed a given number of times each."""

    def __init__(self, misses: dict[tuple[str, str], int], clock: SimClock) -> None:
        self.calls = 0
        self.misses = dict(misses)
        self.clock = clock

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        self.clock.now += CALL_LATENCY_S
        ((table, requests),) = RequestItems.items()
        left = []
        for request in requests:
            item = request["PutRequest"]["Item"]
            key = (item["pk"]["S"], item["sk"]["S"])
            if self.misses.get(key, 0) > 0:
                self.misses[key] -= 1
                left.append(request)
        return {"UnprocessedItems": {table: left} if left else {}}


class SimClock:
    """Monotonic clock that moves only by sleeps and modelled call latency."""

    def __init__(self) -> None:
        self.now = 0.0
        self.longest_sleep = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.longest_sleep = max(self.longest_sleep, seconds)
        self.now += seconds


def _datapoint_items(count: int) -> list[Any]:
    from aggregator.fetch import Datapoint

    points = [
        Datapoint(
            f"lambda.fn-{i // 15}.Invocations.Sum", 1_764_331_200 + 60 * (i % 15), 1.0, "Sum", None
        )
        for i in range(count)
    ]
    return [item for item in to_items(points, 30).items if item["pk"]["S"] != "catalogue"]


# (label, items, share of items left unprocessed, times each such item is left unprocessed)
DRAIN_CASES = (
    ("every item unprocessed 3 times", 512, 1.0, 3),
    ("20 % unprocessed once", 1952, 0.2, 1),
    ("60 % unprocessed once", 1952, 0.6, 1),
    ("10 % unprocessed once", 8352, 0.1, 1),
)


def drain(count: int, share: float, times: int, seed: int) -> dict[str, Any]:
    """One write_items call on the simulated clock; what it took and whether it drained."""
    items = _datapoint_items(count)
    chooser = random.Random(seed)
    keys = [(item["pk"]["S"], item["sk"]["S"]) for item in items]
    misses = {key: times for key in chooser.sample(keys, round(share * len(keys)))}
    clock = SimClock()
    dynamodb = FlakyDynamoDB(misses, clock)
    jitter = random.Random(seed + 1000)
    try:
        result = write_items(
            dynamodb,
            "bench",
            items,
            Deadline.after(RUN_DEADLINE_S, clock),
            sleep=clock.sleep,
            rng=jitter.random,
        )
        unwritten, retries = 0, result.retries
    except WriteIncomplete as exc:
        unwritten, retries = exc.unwritten, -1
    return {
        "calls": dynamodb.calls,
        "retries": retries,
        "seconds": clock.now,
        "longest_sleep": clock.longest_sleep,
        "unwritten": unwritten,
    }


def drain_table() -> None:
    """The writer's drain time for the unprocessed-items cases, over ``SEEDS`` jitter seeds."""
    print()
    print(
        f"writer drain on a simulated clock: {CALL_LATENCY_S * 1000:.0f} ms a call, deadline "
        f"{RUN_DEADLINE_S} s, {SEEDS} seeds (p50 / max)"
    )
    header = (
        f"{'case':<32} {'items':>6} {'BWI calls p50/max':>18} {'seconds p50/max':>16} "
        f"{'longest sleep':>13} {'failed runs':>11}"
    )
    print(header)
    print("-" * len(header))
    for label, count, share, times in DRAIN_CASES:
        runs = [drain(count, share, times, seed) for seed in range(SEEDS)]
        calls = sorted(r["calls"] for r in runs)
        seconds = sorted(r["seconds"] for r in runs)
        failed = sum(1 for r in runs if r["unwritten"])
        print(
            f"{label:<32} {count:>6} {calls[SEEDS // 2]:>9}/{calls[-1]:<8} "
            f"{seconds[SEEDS // 2]:>7.2f}/{seconds[-1]:<8.2f} "
            f"{max(r['longest_sleep'] for r in runs):>12.2f}s {failed:>5}/{SEEDS:<5}"
        )


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


def stack_catalogue() -> None:
    """What one run of the deployed stack asks for: two functions, every route series."""
    from collections import Counter

    from analytics_contract.routes import ROUTE_LABELS, ROUTE_METRIC, STATUS_LABELS

    sources = MetricSources(
        api_name="cw-analytics-dev-api",
        api_stage="v1",
        functions=("cw-analytics-dev-api-handler", "cw-analytics-dev-aggregator"),
        db="cw-analytics-dev-db",
        table="cw-analytics-dev-metrics",
        namespace="cw-analytics/dev",
    )
    queries = build_queries(sources, PERIOD)
    by_source = Counter(q.series_id.split(".", 1)[0] for q in queries)
    routes = sum(q.metric == ROUTE_METRIC for q in queries)
    print(
        f"stack catalogue (two functions): {len(queries)} queries a run "
        f"({', '.join(f'{k} {v}' for k, v in by_source.items())}; {ROUTE_METRIC} {routes} = "
        f"{len(ROUTE_LABELS)} route labels x {len(STATUS_LABELS)} status labels), "
        f"{math.ceil(len(queries) / MAX_QUERIES_PER_CALL)} GetMetricData call(s) of at most "
        f"{MAX_QUERIES_PER_CALL}"
    )
    print()


# A throttled GetMetricData answer and a page, in-region round trips.
THROTTLE_LATENCY_S = 0.03
PAGE_LATENCY_S = 0.3
THROTTLE_CASES = (0, 3, 4, 5, 6, 8, 10, 12, 1000)
THROTTLE_SEEDS = 20


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


class ThrottledCloudWatch:
    """A real botocore CloudWatch client (the function's config) whose first ``throttles`` HTTP
    attempts are throttled, then answered with one page; time passes on ``clock`` only.

    A new client per run: standard mode's retry quota lives in the client, and runs that failed
    before would drain it for the next.
    """

    def __init__(self, session: Any, throttles: int) -> None:
        self.throttles = throttles
        self.attempts = 0
        self.clock = SimClock()
        self.client = session.client("cloudwatch", config=BOTO_CONFIG)
        self.client.meta.events.register("before-send.cloudwatch.GetMetricData", self._send)

    def _send(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        self.attempts += 1
        if self.attempts <= self.throttles:
            self.clock.now += THROTTLE_LATENCY_S
            status = 400
            body: dict[str, Any] = {"__type": "ThrottlingException", "message": "Rate exceeded"}
        else:
            self.clock.now += PAGE_LATENCY_S
            status, body = 200, {"MetricDataResults": []}
        headers = {"content-type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, status, headers, _Body(json.dumps(body).encode()))


def throttled_fetch(session: Any, throttles: int, seed: int, *, bounded: bool) -> dict[str, Any]:
    """One fetch of the stack's catalogue against ``throttles`` throttles in a row.

    ``bounded=False`` is the code before the change: standard mode's 5 attempts, whatever the
    deadline (a deadline was only checked between pages). ``bounded=True`` passes the run's
    deadline, which now bounds the retries instead.
    """
    from botocore.exceptions import ClientError

    cloudwatch = ThrottledCloudWatch(session, throttles)
    clock = cloudwatch.clock
    queries = _queries(100)
    window = aligned_window(datetime(2026, 11, 28, 12, 0, tzinfo=UTC).timestamp(), 15, PERIOD)
    # botocore's own jitter (before) and the deadline retries' (after) from the same seed.
    random.seed(seed)
    jitter = random.Random(seed)
    ok = True
    with mock.patch("botocore.endpoint.time", SimpleNamespace(sleep=clock.sleep)):
        try:
            if bounded:
                fetch_metric_data(
                    cloudwatch.client,
                    queries,
                    window.start,
                    window.end,
                    deadline=Deadline.after(RUN_DEADLINE_S, clock),
                    rng=jitter.random,
                )
            else:
                fetch_metric_data(cloudwatch.client, queries, window.start, window.end)
        except ClientError:
            ok = False
    return {"ok": ok, "attempts": cloudwatch.attempts, "seconds": clock.now}


def throttle_table() -> None:
    """Runs that survive N GetMetricData throttles in a row, before and after."""
    print()
    print(
        f"GetMetricData throttled N times in a row, then answered; deadline {RUN_DEADLINE_S} s, "
        f"{THROTTLE_LATENCY_S * 1000:.0f} ms a throttled attempt, {THROTTLE_SEEDS} seeds; "
        "simulated clock"
    )
    print(
        "before: standard mode, 5 attempts; after: standard mode's rules and backoff, "
        "retried while the next wait ends before the deadline"
    )
    header = (
        f"{'throttles':>9} | {'before ok':>9} {'s p50/max':>13} | {'after ok':>8} "
        f"{'attempts p50/max':>16} {'s p50/max':>13}"
    )
    print(header)
    print("-" * len(header))
    import logging

    import boto3

    # The run's "giving up" warnings, one per failed run, would bury the table.
    logging.disable(logging.WARNING)
    # Every call is answered by a stub at the HTTP layer: any credentials sign it.
    stub_credentials = {"aws_access_key_id": "x", "aws_secret_access_key": "x"}
    session = boto3.session.Session(region_name="eu-west-1", **stub_credentials)
    for throttles in THROTTLE_CASES:
        before = [
            throttled_fetch(session, throttles, s, bounded=False) for s in range(THROTTLE_SEEDS)
        ]
        after = [
            throttled_fetch(session, throttles, s, bounded=True) for s in range(THROTTLE_SEEDS)
        ]
        label = "always" if throttles >= 1000 else str(throttles)

        def p50_max(runs: list[dict[str, Any]], key: str) -> str:
            values = sorted(r[key] for r in runs)
            return f"{values[len(values) // 2]:.1f}/{values[-1]:.1f}"

        ok_before, ok_after = sum(r["ok"] for r in before), sum(r["ok"] for r in after)
        print(
            f"{label:>9} | {ok_before:>4}/{THROTTLE_SEEDS:<4} "
            f"{p50_max(before, 'seconds'):>13} | {ok_after:>3}/{THROTTLE_SEEDS:<4} "
            f"{p50_max(after, 'attempts'):>16} {p50_max(after, 'seconds'):>13}"
        )


def main() -> None:
    stack_catalogue()
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
    drain_table()
    throttle_table()


if __name__ == "__main__":
    main()
