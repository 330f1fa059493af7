"""EventBridge ``rate(...)`` expressions: the one parser the aggregator and its callers share."""

from __future__ import annotations

import re

_RATE_PATTERN = re.compile(
    r"^rate\((?P<n>[1-9][0-9]*) (?P<unit>minute|minutes|hour|hours|day|days)\)$"
)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def schedule_seconds(expression: str) -> int:
    """Seconds between runs of an EventBridge ``rate(...)`` expression; ValueError otherwise."""
    match = _RATE_PATTERN.match(expression)
    if match is None:
        raise ValueError("must be an EventBridge rate expression such as 'rate(5 minutes)'")
    n, unit = int(match["n"]), match["unit"].rstrip("s")
    if (n == 1) != (not match["unit"].endswith("s")):
        raise ValueError("EventBridge wants the singular unit for 1 and the plural otherwise")
    return n * _UNIT_SECONDS[unit]
