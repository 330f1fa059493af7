"""Waiting for the aggregator's period in progress to end, instead of a fixed sleep."""

from __future__ import annotations

import time


def let_the_period_end(period_seconds: int) -> None:
    """Return once the period in progress (of ``period_seconds``, aligned to the epoch as the
    aggregator's windows are) has ended: a run started afterwards reads every datapoint put
    before this call, as it reads complete periods only."""
    end = (int(time.time()) // period_seconds + 1) * period_seconds
    while (left := end - time.time()) > 0:
        time.sleep(left)
