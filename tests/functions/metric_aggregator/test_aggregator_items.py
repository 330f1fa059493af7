"""Datapoints to items: keys, TTL, Decimal conversion, non-finite values, catalogue items."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from aggregator.fetch import Datapoint
from aggregator.items import chunk_items, to_decimal, to_items

TS = 1_764_331_200


def _point(value: float, ts: int = TS, series: str = "apigw.api.Count.Sum") -> Datapoint:
    return Datapoint(series_id=series, ts=ts, value=value, stat="Sum", unit="Count")


def test_to_items_datapoint_item_has_the_table_schema() -> None:
    batch = to_items([_point(3.0)], retention_days=30)
    assert batch.items[0] == {
        "pk": {"S": "series#apigw.api.Count.Sum"},
        "sk": {"S": f"{TS:010d}"},
        "ts": {"N": str(TS)},
        "value": {"N": "3.0"},
        "stat": {"S": "Sum"},
        "unit": {"S": "Count"},
        "expires_at": {"N": str(TS + 30 * 86400)},
    }


def test_to_items_sort_key_is_zero_padded_to_ten_digits() -> None:
    batch = to_items([_point(1.0, ts=60)], retention_days=1)
    assert batch.items[0]["sk"] == {"S": "0000000060"}


def test_to_items_catalogue_item_holds_the_newest_datapoint() -> None:
    batch = to_items([_point(1.0, TS + 60), _point(2.0, TS + 120), _point(3.0, TS)], 30)
    catalogue = [i for i in batch.items if i["pk"]["S"] == "catalogue"]
    assert catalogue == [
        {
            "pk": {"S": "catalogue"},
            "sk": {"S": "apigw.api.Count.Sum"},
            "latest_ts": {"N": str(TS + 120)},
            "latest_value": {"N": "2.0"},
            "stat": {"S": "Sum"},
            "unit": {"S": "Count"},
            "expires_at": {"N": str(TS + 120 + 30 * 86400)},
        }
    ]


def test_to_items_one_catalogue_item_per_series() -> None:
    points = [_point(1.0, TS + i * 60, series=f"s{i % 3}") for i in range(9)]
    batch = to_items(points, 30)
    assert len(batch.items) == 9 + 3


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300])
def test_to_items_skips_and_counts_values_dynamodb_cannot_store(value: float) -> None:
    batch = to_items([_point(value), _point(1.0, TS + 60)], 30)
    assert batch.skipped == 1
    assert [i["sk"]["S"] for i in batch.items if i["pk"]["S"] != "catalogue"] == [f"{TS + 60:010d}"]


def test_to_decimal_uses_the_shortest_round_trip_form() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert float(to_decimal(1 / 3) or 0) == 1 / 3
    assert len((to_decimal(1 / 3) or Decimal()).as_tuple().digits) <= 38


def test_to_items_same_datapoints_give_identical_items() -> None:
    points = [_point(0.1 * i, TS + 60 * i) for i in range(5)]
    assert to_items(points, 30).items == to_items(list(points), 30).items


def test_chunk_items_rejects_chunks_over_25() -> None:
    with pytest.raises(ValueError, match="1..25"):
        chunk_items([], size=26)
