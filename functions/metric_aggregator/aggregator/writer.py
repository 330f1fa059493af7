"""BatchWriteItem with UnprocessedItems retries, throttling backoff and a hard deadline."""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from botocore.exceptions import ClientError

from aggregator.items import MAX_BATCH, Item, chunk_items, to_put_requests
from aggregator.retry import Deadline, DeadlineExceeded, Rng, Sleep, backoff_delay, is_throttling

logger = logging.getLogger(__name__)


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
    """Backoffs taken: calls that left items unprocessed or were throttled."""
    throttled: int = 0
    """Calls rejected with a throttling error."""
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
    fresh items; a call that left items unprocessed or was throttled is followed by an
    exponential backoff with full jitter, as long as the deadline allows the sleep. Any other
    error is raised at once. The exception says how many items were not written.
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
            if not is_throttling(exc):
                _fail(f"BatchWriteItem failed: {exc}", len(batch) + len(queue), result, cause=exc)
            result.throttled += 1
            unprocessed = batch
        else:
            unprocessed = (response.get("UnprocessedItems") or {}).get(table) or []
            result.written += len(batch) - len(unprocessed)
        if not unprocessed:
            attempt = 0
            continue
        queue.extendleft(reversed(unprocessed))
        delay = backoff_delay(attempt, rng)
        if not deadline.allows(delay):
            _fail(
                f"items still unprocessed after {attempt + 1} consecutive attempts",
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
