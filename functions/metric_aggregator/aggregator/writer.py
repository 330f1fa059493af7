"""BatchWriteItem with UnprocessedItems retries, a backoff that resets on progress, a deadline."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from aggregator.items import MAX_BATCH, Item, chunk_items, to_put_requests
from aggregator.retry import Deadline, DeadlineExceeded, Rng, Sleep, backoff_delay

logger = Logger(child=True)


class WriteIncomplete(DeadlineExceeded):
    """Some items were not written; ``unwritten`` says how many. Never swallowed."""

    def __init__(self, message: str, unwritten: int) -> None:
        super().__init__(message)
        self.unwritten = unwritten


@dataclass
class WriteResult:
    """What a write_items call did."""

    written: int = 0
    """Items acknowledged by DynamoDB (after de-duplication)."""
    calls: int = 0
    """BatchWriteItem calls, retries included."""
    retries: int = 0
    """Backoffs taken: calls that left items unprocessed."""
    sdk_retries: int = 0
    """Attempts botocore repeated inside those calls (throttling, transient errors)."""
    chunks: int = 0


def write_items(
    client: Any,
    table: str,
    items: Sequence[Item],
    deadline: Deadline,
    *,
    sleep: Sleep = time.sleep,
    rng: Rng = random.random,
) -> WriteResult:
    """Write every item, 25 a call with no key twice, or raise ``WriteIncomplete``.

    Items are de-duplicated first (last one wins), so a key is never in two calls either.
    UnprocessedItems go back to the front of the queue and ride in the next call, topped up with
    fresh items. A call that left items unprocessed is followed by an exponential backoff with
    full jitter, as long as the deadline allows the sleep; the backoff grows only over calls
    that wrote nothing and starts again from its base after any call that wrote an item, so a
    table that keeps accepting most of each batch is never waited on as if it were refusing.
    Throttling and transient errors are retried by botocore inside each call; an error left
    after that is raised at once. The exception says how many items were not written.
    """
    chunks = chunk_items(items)
    queue: deque[dict[str, Any]] = deque(
        request for chunk in chunks for request in to_put_requests(chunk)
    )
    result = WriteResult(chunks=len(chunks))
    attempt = 0
    while queue:
        if deadline.remaining() <= 0:
            _fail("deadline passed before the next BatchWriteItem", len(queue), result)
        batch = [queue.popleft() for _ in range(min(MAX_BATCH, len(queue)))]
        result.calls += 1
        try:
            response = client.batch_write_item(RequestItems={table: batch})
        except ClientError as exc:
            _fail(f"BatchWriteItem failed: {exc}", len(batch) + len(queue), result, cause=exc)
        result.sdk_retries += response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        unprocessed = (response.get("UnprocessedItems") or {}).get(table) or []
        progress = len(batch) - len(unprocessed)
        result.written += progress
        if progress:
            attempt = 0
        if not unprocessed:
            continue
        queue.extendleft(reversed(unprocessed))
        delay = backoff_delay(attempt, rng)
        if not deadline.allows(delay):
            _fail(
                f"no time left to back off ({attempt} calls in a row wrote nothing)",
                len(queue),
                result,
            )
        result.retries += 1
        attempt += 1
        sleep(delay)
    return result


def _fail(
    reason: str,
    unwritten: int,
    result: WriteResult,
    *,
    cause: BaseException | None = None,
) -> NoReturn:
    message = (
        f"{unwritten} items not written ({result.written} written, {result.calls} calls): {reason}"
    )
    logger.error(message)
    raise WriteIncomplete(message, unwritten) from cause
