"""How a series is named and keyed in the metrics table (the aggregator writes, the API reads).

A series id is ``<source>.<resource>.<metric>.<stat>``. Datapoint items have
``pk="series#<series id>"`` and ``sk`` = the period start as 10-digit epoch seconds; the catalogue
item of a series has ``pk="catalogue"`` and ``sk=<series id>``.
"""

from __future__ import annotations

import re

SERIES_PREFIX = "series#"
CATALOGUE_PK = "catalogue"
MAX_EPOCH_SECONDS = 9_999_999_999
SERIES_ID_PATTERN = r"[A-Za-z0-9._:-]{1,200}"
"""Every series id the aggregator writes must match this, since the API accepts no other."""
SERIES_ID_RE = re.compile(SERIES_ID_PATTERN)


def series_id(source: str, resource: str, metric: str, stat: str) -> str:
    """The id of one series; ValueError when the result is not a valid series id."""
    joined = f"{source}.{resource}.{metric}.{stat}"
    if not SERIES_ID_RE.fullmatch(joined):
        raise ValueError(f"series id {joined!r} must match {SERIES_ID_PATTERN}")
    return joined


def series_pk(series: str) -> str:
    """Partition key of a series' datapoints."""
    return f"{SERIES_PREFIX}{series}"


def epoch_sk(seconds: int) -> str:
    """Sort key of a datapoint: epoch seconds, zero-padded to 10 digits (clamped to that range)."""
    return f"{max(0, min(seconds, MAX_EPOCH_SECONDS)):010d}"
