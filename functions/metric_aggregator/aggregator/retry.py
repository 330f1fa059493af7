"""Deadlines and the backoff between UnprocessedItems rounds, with injectable clock, sleep, rng.

Throttling and transient errors are botocore's job (its standard retry mode, see ``run.py``);
what is left here is what botocore does not cover: items DynamoDB accepted the call for but did
not write, and the run's deadline.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
