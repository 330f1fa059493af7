"""One deadline per request, derived from the time Lambda gives the invocation.

A call that hangs (a degraded VPC endpoint that accepts connections and never answers) must not
run the invocation into its timeout: Lambda then kills it and API Gateway answers a bare 502.
Every blocking step checks what is left before it starts, and ``/health`` waits for its checks
only until the deadline.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

BUDGET_FRACTION = 0.7
"""Share of the invocation's remaining time a request may spend on its dependencies. The rest
is margin for the answer itself, and keeps a slow answer below the duration alarm (80 % of the
timeout) rather than at it."""
DEFAULT_BUDGET_S = 10.0
"""Used when no Lambda context tells the remaining time (a local run, a test without one)."""


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock after which no new blocking call may start."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(time.monotonic() + seconds)

    @classmethod
    def for_invocation(cls, context: Any) -> Deadline:
        """``BUDGET_FRACTION`` of the remaining time the Lambda context reports."""
        remaining_ms = None
        getter = getattr(context, "get_remaining_time_in_millis", None)
        if callable(getter):
            try:
                remaining_ms = float(getter())
            except (TypeError, ValueError):
                remaining_ms = None
        if remaining_ms is None or not math.isfinite(remaining_ms) or remaining_ms <= 0:
            return cls.after(DEFAULT_BUDGET_S)
        return cls.after(remaining_ms / 1000 * BUDGET_FRACTION)

    def remaining(self) -> float:
        """Seconds left (0 when passed)."""
        return max(0.0, self.at - time.monotonic())

    def allows(self, seconds: float) -> bool:
        """Whether a step that may block for ``seconds`` still fits before the deadline."""
        return self.remaining() >= seconds


_current: Deadline | None = None


def start(context: Any) -> Deadline:
    """Set the deadline of the request being handled (one at a time per Lambda container)."""
    global _current  # noqa: PLW0603 - one invocation at a time per container
    _current = Deadline.for_invocation(context)
    return _current


def current() -> Deadline:
    """The deadline of the request being handled; a default budget outside of a request."""
    return _current if _current is not None else Deadline.after(DEFAULT_BUDGET_S)
