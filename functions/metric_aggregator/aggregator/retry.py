"""Deadlines, the backoff between UnprocessedItems rounds, and GetMetricData's deadline-bounded
retries, with injectable clock, sleep, rng.

Throttling and transient errors are botocore's job (its standard retry mode, see ``run.py``):
it decides what is retryable and how long to back off. What is added here is what botocore does
not cover: items DynamoDB accepted the call for but did not write, and the run's deadline, which
``DeadlineRetries`` gives GetMetricData's retries in place of a fixed number of attempts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

# Loaded by botocore itself whenever a client uses the standard retry mode: no import cost.
from botocore.retries.standard import (
    ExponentialBackoff,
    RetryEventAdapter,
    RetryPolicy,
    StandardRetryConditions,
    ThrottlingErrorDetector,
)

Sleep = Callable[[float], None]
Rng = Callable[[], float]
Clock = Callable[[], float]

BASE_DELAY_S = 0.05
MAX_DELAY_S = 5.0


class DeadlineExceeded(RuntimeError):
    """The work could not finish before the deadline; raised so the invocation fails."""


@dataclass(frozen=True)
class Deadline:
    """A point on ``clock`` by which the run must have finished its AWS calls."""

    at: float
    clock: Clock = field(default=time.monotonic)

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(at=clock() + seconds, clock=clock)

    @classmethod
    def from_lambda_context(
        cls, remaining_ms: int, safety_margin_ms: int, clock: Clock = time.monotonic
    ) -> Deadline:
        """Lambda's remaining time minus a margin kept for logging, metrics and raising."""
        return cls.after(max(0, remaining_ms - safety_margin_ms) / 1000.0, clock)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()

    def allows(self, delay: float) -> bool:
        """Whether sleeping ``delay`` seconds still ends before the deadline."""
        return self.remaining() - delay > 0


def backoff_delay(attempt: int, rng: Rng = random.random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt))."""
    return rng() * min(MAX_DELAY_S, BASE_DELAY_S * (2**attempt))


# A ceiling that only matters if the deadline is far off (a test's, a long timeout): the deadline
# is what ends a run of throttles. Lambda's 15-minute maximum fits ~50 backoffs of botocore's
# 20 s cap.
MAX_DEADLINE_ATTEMPTS = 50

logger = Logger(child=True)


class DeadlineRetries:
    """A botocore ``needs-retry`` handler: standard mode's rules and backoff, bounded by a
    deadline instead of a number of attempts.

    A fixed count (the clients' 5 attempts, ``run.BOTO_CONFIG``) lets five throttles in a row
    fail a run that still has most of its time. This handler retries what standard mode would (its
    own checkers: throttling, transient and modeled-retryable errors) with standard mode's
    backoff (full jitter, 1 s base for throttling, 20 s cap, ``x-amz-retry-after`` honoured),
    for as long as the next backoff still ends before ``deadline``. Adaptive mode is not used:
    its client-side rate limiter sleeps where the deadline cannot see it.
    """

    def __init__(self, deadline: Deadline, rng: Rng = random.random) -> None:
        self.deadline = deadline
        adapter = RetryEventAdapter()
        self._adapter = adapter
        self._policy = RetryPolicy(
            retry_checker=StandardRetryConditions(max_attempts=MAX_DEADLINE_ATTEMPTS),
            retry_backoff=ExponentialBackoff(
                random=rng, throttling_detector=ThrottlingErrorDetector(adapter)
            ),
        )

    def __call__(self, **kwargs: Any) -> float | bool:
        """The delay before the next attempt, or False: no retry (and none by botocore's own
        handler, which ``False`` overrules)."""
        context = self._adapter.create_retry_context(**kwargs)
        if not self._policy.should_retry(context):
            self._adapter.adapt_retry_response_from_context(context)
            return False
        delay = float(self._policy.compute_retry_delay(context))
        if not self.deadline.allows(delay):
            logger.warning(
                "giving up a retryable AWS error: the next backoff would pass the deadline",
                extra={
                    "operation": context.operation_model.name,
                    "attempts": context.attempt_number,
                    "error": context.get_error_code(),
                    "backoff_s": round(delay, 3),
                    "remaining_s": round(self.deadline.remaining(), 3),
                },
            )
            return False
        return delay


@contextmanager
def deadline_retries(
    client: Any, operation: str, deadline: Deadline, rng: Rng = random.random
) -> Iterator[DeadlineRetries]:
    """``DeadlineRetries`` for ``operation`` of ``client`` while the block runs.

    Registered first on the operation's own event, so it answers before the client's standard
    retry handler (registered for the whole service) and its answer is the one botocore uses.
    """
    handler = DeadlineRetries(deadline, rng)
    events = client.meta.events
    event = f"needs-retry.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    unique_id = f"cw-analytics-deadline-retries-{id(handler)}"
    events.register_first(event, handler, unique_id=unique_id)
    try:
        yield handler
    finally:
        events.unregister(event, unique_id=unique_id)
