"""GetMetricData: batches of 500 queries, botocore's paginator, per-query status, a deadline.

Throttling and transient errors are retried by botocore inside each page request, with standard
mode's rules and backoff; with a deadline, for as long as it allows (``retry.DeadlineRetries``)
rather than 5 attempts. An error left after that is raised, and the run fails for EventBridge to
retry.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from aggregator.queries import MAX_QUERIES_PER_CALL, MetricQuery
from aggregator.retry import Deadline, DeadlineExceeded, Rng, deadline_retries

logger = Logger(child=True)

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
    """GetMetricData pages received."""
    sdk_retries: int = 0
    """Attempts botocore repeated for those pages (throttling, transient errors)."""
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
    rng: Rng = random.random,
) -> FetchResult:
    """Run ``queries`` over [start, end) in calls of at most 500, following every NextToken.

    A query reported InternalError/Forbidden is logged and counted, the others are kept; a query
    still PartialData after the last page keeps what came. No page is requested once
    ``deadline`` has passed: ``DeadlineExceeded`` is raised instead. With a ``deadline``, a
    throttled or failed page is retried while the next backoff (jitter from ``rng``) ends before
    it; without one, botocore's standard mode gives up after 5 attempts.
    """
    by_id = {q.query_id: q for q in queries}
    if len(by_id) != len(queries):
        raise ValueError("GetMetricData query ids must be unique")
    with contextlib.ExitStack() as stack:
        if deadline is not None:
            stack.enter_context(deadline_retries(client, "GetMetricData", deadline, rng))
        result = _fetch(client, queries, by_id, (start, end), deadline)
    for series_id, status in sorted(result.query_errors.items()):
        logger.warning("metric query failed", extra={"series": series_id, "status": status})
    if result.messages:
        # Call-level Messages (e.g. MaxQueryTimeRangeExceeded) say the answer is incomplete.
        logger.warning("GetMetricData returned messages", extra={"messages": result.messages})
    return result


def _fetch(
    client: Any,
    queries: Sequence[MetricQuery],
    by_id: dict[str, MetricQuery],
    window: tuple[datetime, datetime],
    deadline: Deadline | None,
) -> FetchResult:
    start, end = window
    result = FetchResult()
    paginator = client.get_paginator("get_metric_data")
    for offset in range(0, len(queries), MAX_QUERIES_PER_CALL):
        batch = [q.to_api() for q in queries[offset : offset + MAX_QUERIES_PER_CALL]]
        pages = iter(
            paginator.paginate(
                MetricDataQueries=batch,
                StartTime=start,
                EndTime=end,
                ScanBy="TimestampAscending",
            )
        )
        while True:
            if deadline is not None and deadline.remaining() <= 0:
                raise DeadlineExceeded(
                    f"deadline reached after {result.calls} GetMetricData pages; "
                    f"{len(queries) - offset} queries not (fully) fetched"
                )
            page = next(pages, None)
            if page is None:
                break
            result.calls += 1
            result.sdk_retries += page.get("ResponseMetadata", {}).get("RetryAttempts", 0)
            _collect(page, by_id, result)
    return result


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
