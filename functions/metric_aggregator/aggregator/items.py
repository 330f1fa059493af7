"""Datapoints to DynamoDB items (low-level attribute values) and BatchWriteItem chunks.

Keys follow ``analytics_contract.series``: datapoint items ``pk="series#<series id>"``,
``sk=<10-digit epoch seconds>``; catalogue items ``pk="catalogue"``, ``sk=<series id>``.
``expires_at`` is ``ts + retention_days * 86400`` (the datapoint's own time, not the run's), so a
re-run of a window writes byte-identical items.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from analytics_contract.series import CATALOGUE_PK, epoch_sk, series_pk
from aws_lambda_powertools import Logger

from aggregator.fetch import Datapoint

logger = Logger(child=True)

Item = dict[str, dict[str, str]]
MAX_BATCH = 25
# DynamoDB numbers: magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125.
_DYNAMO_MAX = Decimal("9.9999999999999999999999999999999999999E+125")
_DYNAMO_MIN = Decimal("1E-130")


@dataclass
class ItemBatch:
    """Items to write, and how many datapoints could not become items."""

    items: list[Item]
    skipped: int


def to_decimal(value: float) -> Decimal | None:
    """The shortest decimal that round-trips to ``value``; None when DynamoDB cannot store it.

    ``Decimal(0.1)`` would keep the binary float's 55 digits (over DynamoDB's 38); ``repr`` gives
    the shortest round-trip form instead.
    """
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return None
    try:
        number = Decimal(repr(float(value)))
    except InvalidOperation:
        return None
    if number != 0 and not _DYNAMO_MIN <= abs(number) <= _DYNAMO_MAX:
        return None
    return number


def datapoint_key(series_id: str, ts: int) -> tuple[str, str]:
    """(pk, sk) of a datapoint item."""
    return series_pk(series_id), epoch_sk(ts)


def to_items(datapoints: Iterable[Datapoint], retention_days: int) -> ItemBatch:
    """One item per datapoint, plus one catalogue item per series (its newest datapoint).

    Non-finite or out-of-range values are skipped, counted and logged (DynamoDB cannot store them).
    """
    items: list[Item] = []
    newest: dict[str, tuple[Datapoint, Decimal]] = {}
    skipped = 0
    ttl = retention_days * 86400
    for point in datapoints:
        number = to_decimal(point.value)
        if number is None:
            skipped += 1
            logger.warning(
                "skipping datapoint DynamoDB cannot store",
                extra={"series": point.series_id, "ts": point.ts, "value": repr(point.value)},
            )
            continue
        pk, sk = datapoint_key(point.series_id, point.ts)
        item: Item = {
            "pk": {"S": pk},
            "sk": {"S": sk},
            "ts": {"N": str(point.ts)},
            "value": {"N": str(number)},
            "stat": {"S": point.stat},
            "expires_at": {"N": str(point.ts + ttl)},
        }
        if point.unit:
            item["unit"] = {"S": point.unit}
        items.append(item)
        current = newest.get(point.series_id)
        if current is None or point.ts >= current[0].ts:
            newest[point.series_id] = (point, number)
    items.extend(catalogue_items(newest.values(), retention_days))
    return ItemBatch(items=items, skipped=skipped)


def catalogue_items(newest: Iterable[tuple[Datapoint, Decimal]], retention_days: int) -> list[Item]:
    """The ``pk="catalogue"`` item of each series, from its newest datapoint."""
    items: list[Item] = []
    for point, number in newest:
        item: Item = {
            "pk": {"S": CATALOGUE_PK},
            "sk": {"S": point.series_id},
            "latest_ts": {"N": str(point.ts)},
            "latest_value": {"N": str(number)},
            "stat": {"S": point.stat},
            "expires_at": {"N": str(point.ts + retention_days * 86400)},
        }
        if point.unit:
            item["unit"] = {"S": point.unit}
        items.append(item)
    return items


def item_key(item: Item) -> tuple[str, str]:
    """(pk, sk) of an item."""
    return item["pk"]["S"], item["sk"]["S"]


def dedupe(items: Iterable[Item]) -> list[Item]:
    """One item per key, the last one given wins, in order of each key's first appearance."""
    unique: dict[tuple[str, str], Item] = {}
    for item in items:
        unique[item_key(item)] = item
    return list(unique.values())


def chunk_items(items: Sequence[Item], size: int = MAX_BATCH) -> list[list[Item]]:
    """Chunks of at most ``size`` (≤ 25) items with no key twice (AWS rejects such a batch).

    Duplicates are resolved before chunking (last writer wins), so no two chunks carry the same
    key either and a retried chunk can never overwrite a newer value.
    """
    if not 1 <= size <= MAX_BATCH:
        raise ValueError(f"chunk size {size} must be 1..{MAX_BATCH}")
    unique = dedupe(items)
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def to_put_requests(chunk: Sequence[Item]) -> list[dict[str, Any]]:
    """BatchWriteItem ``PutRequest`` entries."""
    return [{"PutRequest": {"Item": item}} for item in chunk]
