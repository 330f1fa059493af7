"""write_items: chunking, UnprocessedItems, throttling and the deadline, on captured requests."""

from __future__ import annotations

import copy
import math
import random
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aggregator.fetch import Datapoint
from aggregator.items import Item, item_key, to_items
from aggregator.retry import Deadline
from aggregator.run import BOTO_CONFIG
from aggregator.writer import WriteIncomplete, write_items
from botocore.stub import Stubber

from .helpers import REGION, TABLE, FakeClock, HttpAnswers, no_sdk_sleep, scan_all, throttled

TS = 1_764_331_200


def _items(n: int, series: str = "apigw.api.Count.Sum") -> list[Item]:
    points = [Datapoint(series, TS + 60 * i, float(i), "Sum", "Count") for i in range(n)]
    return [i for i in to_items(points, 30).items if i["pk"]["S"] != "catalogue"]


class BatchHooks:
    """Event hooks on a real (moto) client: record every request, hold items back as unprocessed.

    ``hold_back(call_number, requests)`` returns how many of the call's requests (from the end)
    DynamoDB should "not process"; they are removed before moto sees them and returned in
    ``UnprocessedItems`` after the call.
    """

    def __init__(self, client: Any, hold_back: Any) -> None:
        self.requests: list[list[dict[str, Any]]] = []
        self.calls_with_unprocessed = 0
        self._held: list[dict[str, Any]] = []
        self._nothing_kept = False
        self._hold_back = hold_back
        client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", self._before)
        client.meta.events.register("before-call.dynamodb.BatchWriteItem", self._short_circuit)
        client.meta.events.register("after-call.dynamodb.BatchWriteItem", self._after)

    def _before(self, params: dict[str, Any], **_: Any) -> dict[str, Any]:
        requests = params["RequestItems"][TABLE]
        self.requests.append(copy.deepcopy(requests))
        held = self._hold_back(len(self.requests), requests)
        self._held = requests[len(requests) - held :] if held else []
        self.calls_with_unprocessed += bool(held)
        kept = requests[: len(requests) - held]
        # Nothing left for moto: the call is answered in before-call without reaching it.
        self._nothing_kept = not kept
        return {**params, "RequestItems": {TABLE: kept}} if kept else params

    def _short_circuit(self, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if self._nothing_kept:
            return SimpleNamespace(status_code=200, headers={}), {"UnprocessedItems": {}}
        return None

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        if self._held:
            parsed["UnprocessedItems"] = {TABLE: self._held}


def _keys(requests: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [item_key(r["PutRequest"]["Item"]) for r in requests]


def test_write_items_chunks_never_exceed_25_nor_repeat_a_key(
    dynamodb: Any, clock: FakeClock
) -> None:
    items = _items(60)
    hooks = BatchHooks(dynamodb, lambda call, reqs: 0)
    write_items(dynamodb, TABLE, items + items[:30], Deadline.after(60, clock), sleep=clock.sleep)
    assert [len(r) for r in hooks.requests] == [25, 25, 10]
    for request in hooks.requests:
        assert len(set(_keys(request))) == len(request)


def test_write_items_retries_unprocessed_items_until_all_are_stored(
    dynamodb: Any, clock: FakeClock
) -> None:
    items = _items(60)
    # Every call leaves half of what it sent unprocessed, until only one item is left.
    hooks = BatchHooks(dynamodb, lambda call, reqs: len(reqs) // 2)
    result = write_items(
        dynamodb, TABLE, items, Deadline.after(60, clock), sleep=clock.sleep, rng=lambda: 0.5
    )
    assert len(scan_all(dynamodb)) == 60
    assert result.written == 60
    assert result.retries == hooks.calls_with_unprocessed > 3
    assert all(len(r) <= 25 and len(set(_keys(r))) == len(r) for r in hooks.requests)


def test_write_items_resends_the_unprocessed_items_first(dynamodb: Any, clock: FakeClock) -> None:
    items = _items(30)
    hooks = BatchHooks(dynamodb, lambda call, reqs: 10 if call == 1 else 0)
    write_items(dynamodb, TABLE, items, Deadline.after(60, clock), sleep=clock.sleep)
    assert [len(r) for r in hooks.requests] == [25, 15]
    assert _keys(hooks.requests[1])[:10] == _keys(hooks.requests[0])[15:]
    assert len(scan_all(dynamodb)) == 30


def test_write_items_backs_off_exponentially_with_full_jitter(
    dynamodb: Any, clock: FakeClock
) -> None:
    BatchHooks(dynamodb, lambda call, reqs: 1 if call < 5 else 0)
    write_items(
        dynamodb, TABLE, _items(3), Deadline.after(60, clock), sleep=clock.sleep, rng=lambda: 0.5
    )
    assert clock.sleeps == [0.025, 0.05, 0.1, 0.2]


def _stubbed() -> Any:
    return boto3.client(
        "dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )


def _runtime_client() -> Any:
    """A DynamoDB client configured exactly as the function builds its own."""
    return boto3.session.Session(
        region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    ).client("dynamodb", config=BOTO_CONFIG)


def test_write_items_leaves_throttling_to_botocore_retries(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    client = _runtime_client()
    answers = HttpAnswers(
        client,
        "BatchWriteItem",
        [
            throttled("ProvisionedThroughputExceededException"),
            throttled("ThrottlingException"),
            (200, {"UnprocessedItems": {}}),
        ],
    )
    result = write_items(client, TABLE, _items(5), Deadline.after(60, clock), sleep=clock.sleep)
    assert answers.attempts == 3
    assert (result.written, result.calls, result.sdk_retries, result.retries) == (5, 1, 2, 0)


def test_write_items_raises_with_the_count_when_botocore_gives_up(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    client = _runtime_client()
    HttpAnswers(client, "BatchWriteItem", [throttled("ThrottlingException")] * 5)
    with pytest.raises(WriteIncomplete, match="^30 items not written.*ThrottlingException"):
        write_items(client, TABLE, _items(30), Deadline.after(60, clock), sleep=clock.sleep)


def test_write_items_backoff_starts_over_after_a_call_that_wrote_something(
    dynamodb: Any, clock: FakeClock
) -> None:
    # Each call leaves up to 5 items unprocessed but writes at least one: progress every time.
    hooks = BatchHooks(dynamodb, lambda call, reqs: min(5, len(reqs) - 1))
    result = write_items(
        dynamodb, TABLE, _items(400), Deadline.after(60, clock), sleep=clock.sleep, rng=lambda: 1.0
    )
    assert result.written == 400 and len(scan_all(dynamodb)) == 400
    assert hooks.calls_with_unprocessed == result.retries > 10
    assert set(clock.sleeps) == {0.05}, "a call that wrote items must not raise the next backoff"


def test_write_items_backoff_grows_only_over_calls_that_wrote_nothing(
    dynamodb: Any, clock: FakeClock
) -> None:
    # Call 1 writes 20 of 25, calls 2-4 write nothing, call 5 writes the rest.
    held = {1: 5, 2: 5, 3: 5, 4: 5}
    BatchHooks(dynamodb, lambda call, reqs: held.get(call, 0))
    write_items(
        dynamodb, TABLE, _items(25), Deadline.after(60, clock), sleep=clock.sleep, rng=lambda: 1.0
    )
    assert clock.sleeps == [0.05, 0.1, 0.2, 0.4]


def test_write_items_raises_with_the_unwritten_count_when_the_deadline_expires(
    dynamodb: Any, clock: FakeClock
) -> None:
    # From the second call on, the last 7 items sent always come back unprocessed.
    hooks = BatchHooks(dynamodb, lambda call, reqs: min(7, len(reqs)) if call > 1 else 0)
    with pytest.raises(WriteIncomplete, match="^7 items not written") as info:
        write_items(
            dynamodb,
            TABLE,
            _items(60),
            Deadline.after(3, clock),
            sleep=clock.sleep,
            rng=lambda: 1.0,
        )
    assert info.value.unwritten == 7
    assert len(scan_all(dynamodb)) == 60 - 7
    assert [len(r) for r in hooks.requests[:3]] == [25, 25, 17]
    assert clock.now - 1000.0 <= 3


def test_write_items_raises_other_errors_at_once_with_the_count(clock: FakeClock) -> None:
    client = _stubbed()
    with Stubber(client) as stub:
        stub.add_client_error("batch_write_item", "ValidationException", http_status_code=400)
        with pytest.raises(WriteIncomplete, match="^30 items not written.*ValidationException"):
            write_items(client, TABLE, _items(30), Deadline.after(60, clock), sleep=clock.sleep)
    assert clock.sleeps == []


def test_write_items_rewriting_the_same_items_keeps_the_item_count(
    dynamodb: Any, clock: FakeClock
) -> None:
    items = _items(40)
    write_items(dynamodb, TABLE, items, Deadline.after(60, clock))
    write_items(dynamodb, TABLE, items, Deadline.after(60, clock))
    assert len(scan_all(dynamodb)) == 40


def test_write_items_uses_the_fewest_calls_without_failures(
    dynamodb: Any, clock: FakeClock
) -> None:
    result = write_items(dynamodb, TABLE, _items(101), Deadline.after(60, clock))
    assert result.calls == math.ceil(101 / 25)


class _UnprocessedOnce:
    """BatchWriteItem that leaves each chosen item unprocessed the first time it is sent."""

    def __init__(self, chosen: set[tuple[str, str]]) -> None:
        self.chosen = set(chosen)
        self.calls = 0

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        ((table, requests),) = RequestItems.items()
        left = [r for r in requests if item_key(r["PutRequest"]["Item"]) in self.chosen]
        self.chosen -= {item_key(r["PutRequest"]["Item"]) for r in left}
        return {"UnprocessedItems": {table: left} if left else {}}


@pytest.mark.parametrize(("count", "share"), [(1952, 0.2), (1952, 0.6), (8352, 0.1)])
def test_write_items_drains_a_steady_share_of_unprocessed_items_well_inside_a_run(
    clock: FakeClock, count: int, share: float
) -> None:
    items = _items(count)
    keys = [item_key(item) for item in items]
    client = _UnprocessedOnce(set(random.Random(7).sample(keys, round(share * len(keys)))))
    # Worst jitter (rng=1.0) and the deployed deadline: 120 s timeout minus the 5 s margin.
    write_items(
        client, TABLE, items, Deadline.after(115, clock), sleep=clock.sleep, rng=lambda: 1.0
    )
    assert sum(clock.sleeps) < 115 / 4, f"{count} items took {sum(clock.sleeps):.1f} s of sleep"
    assert not client.chosen, "some unprocessed items were never re-sent"
