"""GetMetricData: batches of 500 queries, NextToken paging, per-query status, throttling."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from aggregator.queries import MAX_QUERIES_PER_CALL, MetricQuery
from aggregator.retry import Deadline, DeadlineExceeded, Rng, Sleep, backoff_delay, is_throttling

logger = logging.getLogger(__name__)

_ERROR_STATUSES = frozenset({"InternalError", "Forbidden"})


@dataclass(frozen=True)
class Datapoint:
    """One value of one series at one period start."""

    series_id: str
    ts: int
    """Period start, epoch seconds."""
    value: float
    stat: str
    unit: str | None


@dataclass
class FetchResult:
    """Datapoints of a fetch plus what happened on the way."""

    datapoints: list[Datapoint] = field(default_factory=list)
    calls: int = 0
    """GetMetricData calls made, throttled attempts included."""
    throttled: int = 0
    """Calls retried after a throttling error."""
    query_errors: dict[str, str] = field(default_factory=dict)
    """series id -> StatusCode (InternalError, Forbidden) with its messages."""
    partial: set[str] = field(default_factory=set)
    """Series that ended with StatusCode PartialData (what came is kept)."""
    messages: list[str] = field(default_factory=list)
    """Call-level Messages (Code: Value)."""


def fetch_metric_data(
    client: Any,
    queries: Sequence[MetricQuery],
    start: datetime,
    end: datetime,
    *,
    deadline: Deadline | None = None,
    sleep: Sleep = time.sleep,
    rng: Rng = random.random,
) -> FetchResult:
    """Run ``queries`` over [start, end) in calls of at most 500, following every NextToken.

    A query reported InternalError/Forbidden is logged and counted, the others are kept; a query
    still PartialData after the last page keeps what came. Throttling is retried with backoff
    until ``deadline``, then ``DeadlineExceeded`` is raised.
    """
    by_id = {q.query_id: q for q in queries}
    if len(by_id) != len(queries):
        raise ValueError("GetMetricData query ids must be unique")
    result = FetchResult()
    for offset in range(0, len(queries), MAX_QUERIES_PER_CALL):
        batch = [q.to_api() for q in queries[offset : offset + MAX_QUERIES_PER_CALL]]
        token: str | None = None
        while True:
            params: dict[str, Any] = {
                "MetricDataQueries": batch,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending",
            }
            if token:
                params["NextToken"] = token
            response = _call(client, params, result, deadline=deadline, sleep=sleep, rng=rng)
            _collect(response, by_id, result)
            token = response.get("NextToken")
            if not token:
                break
    for series_id, status in sorted(result.query_errors.items()):
        logger.warning("metric query failed", extra={"series": series_id, "status": status})
    if result.messages:
        # Call-level Messages (e.g. MaxQueryTimeRangeExceeded) say the answer is incomplete.
        logger.warning("GetMetricData returned messages", extra={"messages": result.messages})
    return result


def _call(
    client: Any,
    params: dict[str, Any],
    result: FetchResult,
    *,
    deadline: Deadline | None,
    sleep: Sleep,
    rng: Rng,
) -> dict[str, Any]:
    attempt = 0
    while True:
        result.calls += 1
        try:
            response: dict[str, Any] = client.get_metric_data(**params)
            return response
        except ClientError as exc:
            if not is_throttling(exc):
                raise
            delay = backoff_delay(attempt, rng)
            if deadline is not None and not deadline.allows(delay):
                raise DeadlineExceeded(
                    f"GetMetricData still throttled after {attempt + 1} attempts; "
                    f"deadline reached with {len(params['MetricDataQueries'])} queries unfetched"
                ) from exc
            result.throttled += 1
            attempt += 1
            sleep(delay)


def _collect(response: dict[str, Any], by_id: dict[str, MetricQuery], result: FetchResult) -> None:
    for message in response.get("Messages") or []:
        result.messages.append(f"{message.get('Code')}: {message.get('Value')}")
    for entry in response.get("MetricDataResults") or []:
        query = by_id.get(entry.get("Id", ""))
        if query is None:
            logger.warning("unexpected query id in GetMetricData", extra={"id": entry.get("Id")})
            continue
        status = entry.get("StatusCode", "Complete")
        if status in _ERROR_STATUSES:
            texts = "; ".join(
                f"{m.get('Code')}: {m.get('Value')}" for m in entry.get("Messages") or []
            )
            result.query_errors[query.series_id] = f"{status} {texts}".strip()
        elif status == "PartialData":
            result.partial.add(query.series_id)
        else:
            result.partial.discard(query.series_id)
        stamps = entry.get("Timestamps") or []
        values = entry.get("Values") or []
        for stamp, value in zip(stamps, values, strict=False):
            result.datapoints.append(
                Datapoint(
                    series_id=query.series_id,
                    ts=int(stamp.timestamp()),
                    value=value,
                    stat=query.stat,
                    unit=query.unit,
                )
            )


def calls_needed(query_count: int) -> int:
    """The fewest GetMetricData calls for ``query_count`` queries (one page each)."""
    return math.ceil(query_count / MAX_QUERIES_PER_CALL)
