"""GetMetricData through botocore's Stubber: what moto cannot do (percentiles, paging, errors)."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aggregator.fetch import fetch_metric_data
from aggregator.queries import MetricQuery, build_queries
from aggregator.retry import Deadline, DeadlineExceeded
from aggregator.run import BOTO_CONFIG
from analytics_contract.sources import MetricSources
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from .helpers import REGION, FakeClock, HttpAnswers, no_sdk_sleep, throttled

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=15)


def _client() -> Any:
    return boto3.client(
        "cloudwatch",
        region_name=REGION,
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


def _stamps(n: int, first: int = 0) -> list[datetime]:
    return [START + timedelta(minutes=first + i) for i in range(n)]


def _result(query: MetricQuery, n: int, status: str = "Complete", first: int = 0) -> dict:
    return {
        "Id": query.query_id,
        "Label": query.series_id,
        "Timestamps": _stamps(n, first),
        "Values": [float(first + i) for i in range(n)],
        "StatusCode": status,
    }


def _expected(token: str | None = None, queries: Any = ANY) -> dict:
    params = {
        "MetricDataQueries": queries,
        "StartTime": START,
        "EndTime": END,
        "ScanBy": "TimestampAscending",
    }
    if token:
        params["NextToken"] = token
    return params


def _p99(sources: MetricSources) -> MetricQuery:
    return next(q for q in build_queries(sources, 60) if q.series_id.endswith("Duration.p99"))


def test_fetch_metric_data_returns_percentile_datapoints(sources: MetricSources) -> None:
    query = _p99(sources)
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result(query, 3)]},
            _expected(queries=[query.to_api()]),
        )
        result = fetch_metric_data(client, [query], START, END)
        stub.assert_no_pending_responses()
    assert [(p.series_id, p.stat, p.value) for p in result.datapoints] == [
        (query.series_id, "p99", 0.0),
        (query.series_id, "p99", 1.0),
        (query.series_id, "p99", 2.0),
    ]
    assert result.datapoints[0].ts == int(START.timestamp())


def test_fetch_metric_data_follows_next_token_across_calls(sources: MetricSources) -> None:
    query = _p99(sources)
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result(query, 5, "PartialData")], "NextToken": "t1"},
            _expected(),
        )
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result(query, 5, "PartialData", first=5)], "NextToken": "t2"},
            _expected("t1"),
        )
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result(query, 5, "Complete", first=10)]},
            _expected("t2"),
        )
        result = fetch_metric_data(client, [query], START, END)
        stub.assert_no_pending_responses()
    assert [p.value for p in result.datapoints] == [float(i) for i in range(15)]
    assert result.calls == 3
    assert result.partial == set()


def test_fetch_metric_data_keeps_partial_data_without_a_token(sources: MetricSources) -> None:
    query = _p99(sources)
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result(query, 4, "PartialData")]},
            _expected(),
        )
        result = fetch_metric_data(client, [query], START, END)
    assert len(result.datapoints) == 4
    assert result.partial == {query.series_id}


def test_fetch_metric_data_counts_per_query_errors_and_keeps_the_rest(
    sources: MetricSources,
) -> None:
    queries = build_queries(sources, 60)[:3]
    failed = {
        "Id": queries[1].query_id,
        "Timestamps": [],
        "Values": [],
        "StatusCode": "InternalError",
        "Messages": [{"Code": "InternalError", "Value": "try again"}],
    }
    forbidden = {**failed, "Id": queries[2].query_id, "StatusCode": "Forbidden"}
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result(queries[0], 2), failed, forbidden]},
            _expected(),
        )
        result = fetch_metric_data(client, queries, START, END)
    assert [p.series_id for p in result.datapoints] == [queries[0].series_id] * 2
    assert result.query_errors == {
        queries[1].series_id: "InternalError InternalError: try again",
        queries[2].series_id: "Forbidden InternalError: try again",
    }


def test_fetch_metric_data_splits_over_500_queries_into_calls(sources: MetricSources) -> None:
    base = build_queries(sources, 60)[0]
    queries = [
        MetricQuery(
            f"q{i}",
            f"{base.series_id}{i}",
            base.namespace,
            base.metric,
            base.dimensions,
            base.stat,
            base.unit,
            60,
        )
        for i in range(1201)
    ]
    client = _client()
    sizes: list[int] = []
    with Stubber(client) as stub:
        for chunk_start in range(0, 1201, 500):
            chunk = queries[chunk_start : chunk_start + 500]
            sizes.append(len(chunk))
            stub.add_response(
                "get_metric_data",
                {"MetricDataResults": [_result(q, 1) for q in chunk]},
                _expected(queries=[q.to_api() for q in chunk]),
            )
        result = fetch_metric_data(client, queries, START, END)
        stub.assert_no_pending_responses()
    assert result.calls == math.ceil(1201 / 500) == 3
    assert sizes == [500, 500, 201]
    assert len(result.datapoints) == 1201


def _runtime_client() -> Any:
    """A CloudWatch client configured exactly as the function builds its own."""
    return boto3.session.Session(
        region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    ).client("cloudwatch", config=BOTO_CONFIG)


def _page(query: MetricQuery, n: int, token: str | None = None) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {
        "MetricDataResults": [
            {
                "Id": query.query_id,
                "Timestamps": [int(s.timestamp()) for s in _stamps(n)],
                "Values": [float(i) for i in range(n)],
                "StatusCode": "Complete",
            }
        ]
    }
    if token:
        body["NextToken"] = token
    return 200, body


def test_fetch_metric_data_rides_out_throttling_past_three_attempts(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    query = _p99(sources)
    client = _runtime_client()
    answers = HttpAnswers(
        client,
        "GetMetricData",
        [throttled(), throttled("Throttling"), throttled(), throttled(), _page(query, 2)],
    )
    result = fetch_metric_data(client, [query], START, END, deadline=Deadline.after(60, clock))
    assert answers.attempts == 5
    assert len(result.datapoints) == 2
    assert (result.calls, result.sdk_retries) == (1, 4)
    assert len(clock.sleeps) == 4, "botocore backs off between its attempts"


def test_fetch_metric_data_without_deadline_keeps_standard_modes_five_attempts(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    client = _runtime_client()
    answers = HttpAnswers(client, "GetMetricData", [throttled()] * 5)
    with pytest.raises(ClientError, match="ThrottlingException.*reached max retries: 4"):
        fetch_metric_data(client, [_p99(sources)], START, END)
    assert answers.attempts == 5
    assert sum(clock.sleeps) <= 1 + 2 + 4 + 8, "standard mode's backoff is capped per attempt"


def test_fetch_metric_data_rides_out_five_throttles_in_a_row_within_the_deadline(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    query = _p99(sources)
    client = _runtime_client()
    answers = HttpAnswers(client, "GetMetricData", [throttled()] * 5 + [_page(query, 2)])
    result = fetch_metric_data(client, [query], START, END, deadline=Deadline.after(115, clock))
    assert answers.attempts == 6
    assert (result.calls, result.sdk_retries, len(result.datapoints)) == (1, 5, 2)


def test_fetch_metric_data_backs_off_as_standard_mode_up_to_its_20_second_cap(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the jitter at its top, the waits are standard mode's 1 s * 2**i, capped at 20 s."""
    no_sdk_sleep(monkeypatch, clock)
    query = _p99(sources)
    client = _runtime_client()
    HttpAnswers(client, "GetMetricData", [throttled("Throttling")] * 8 + [_page(query, 1)])
    deadline = Deadline.after(115, clock)
    fetch_metric_data(client, [query], START, END, deadline=deadline, rng=lambda: 1.0)
    assert clock.sleeps == [1, 2, 4, 8, 16, 20, 20, 20]


def test_fetch_metric_data_stops_retrying_when_the_next_backoff_would_pass_the_deadline(
    sources: MetricSources,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    client = _runtime_client()
    answers = HttpAnswers(client, "GetMetricData", [throttled()] * 50)
    started = clock.now
    with caplog.at_level(logging.WARNING), pytest.raises(ClientError, match="ThrottlingException"):
        fetch_metric_data(
            client, [_p99(sources)], START, END, deadline=Deadline.after(30, clock), rng=lambda: 1.0
        )
    # 1 + 2 + 4 + 8 = 15 s waited; the next wait, 16 s, would end past the deadline at 30 s.
    assert (answers.attempts, clock.now - started) == (5, 15)
    gave_up = [r for r in caplog.records if "would pass the deadline" in r.getMessage()]
    assert [(r.attempts, r.backoff_s) for r in gave_up] == [(5, 16.0)]  # type: ignore[attr-defined]


def test_fetch_metric_data_retries_throttling_for_as_long_as_a_long_deadline_allows(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    client = _runtime_client()
    answers = HttpAnswers(client, "GetMetricData", [throttled()] * 50)
    started = clock.now
    with pytest.raises(ClientError, match="ThrottlingException"):
        fetch_metric_data(
            client,
            [_p99(sources)],
            START,
            END,
            deadline=Deadline.after(115, clock),
            rng=lambda: 1.0,
        )
    # 1+2+4+8+16+20+20+20 = 91 s; a ninth wait of 20 s would end at 111 s, a tenth past 115 s.
    assert (answers.attempts, clock.now - started) == (10, 111)


def test_fetch_metric_data_does_not_retry_an_error_standard_mode_does_not_retry(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    client = _runtime_client()
    invalid = (400, {"__type": "InvalidParameterValueException", "message": "bad"})
    answers = HttpAnswers(client, "GetMetricData", [invalid])
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        fetch_metric_data(client, [_p99(sources)], START, END, deadline=Deadline.after(115, clock))
    assert (answers.attempts, clock.sleeps) == (1, [])


def test_fetch_metric_data_leaves_the_client_with_standard_retries_afterwards(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline belongs to one run: the client the container keeps is not changed by it."""
    no_sdk_sleep(monkeypatch, clock)
    query = _p99(sources)
    client = _runtime_client()
    answers = HttpAnswers(client, "GetMetricData", [_page(query, 1)] + [throttled()] * 5)
    fetch_metric_data(client, [query], START, END, deadline=Deadline.after(115, clock))
    with pytest.raises(ClientError, match="reached max retries: 4"):
        client.get_metric_data(MetricDataQueries=[query.to_api()], StartTime=START, EndTime=END)
    assert answers.attempts == 6


def test_fetch_metric_data_pages_and_retries_a_throttled_second_page(
    sources: MetricSources, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sdk_sleep(monkeypatch, clock)
    query = _p99(sources)
    client = _runtime_client()
    HttpAnswers(
        client, "GetMetricData", [_page(query, 3, token="t1"), throttled(), _page(query, 2)]
    )
    result = fetch_metric_data(client, [query], START, END, deadline=Deadline.after(60, clock))
    assert (result.calls, result.sdk_retries, len(result.datapoints)) == (2, 1, 5)


def test_fetch_metric_data_requests_no_page_after_the_deadline(
    sources: MetricSources, clock: FakeClock
) -> None:
    query = _p99(sources)
    client = _client()
    deadline = Deadline.after(5, clock)
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result(query, 5, "PartialData")], "NextToken": "t1"},
            _expected(),
        )
        client.meta.events.register(
            "after-call.cloudwatch.GetMetricData", lambda **_: clock.advance(10)
        )
        with pytest.raises(DeadlineExceeded, match="after 1 GetMetricData pages; 1 queries"):
            fetch_metric_data(client, [query], START, END, deadline=deadline)
        stub.assert_no_pending_responses()


def test_fetch_metric_data_raises_other_client_errors_at_once(sources: MetricSources) -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("get_metric_data", "InvalidParameterValue", http_status_code=400)
        with pytest.raises(ClientError, match="InvalidParameterValue"):
            fetch_metric_data(client, [_p99(sources)], START, END)


def test_fetch_metric_data_logs_call_level_messages(
    sources: MetricSources, caplog: pytest.LogCaptureFixture
) -> None:
    query = _p99(sources)
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [_result(query, 1)],
                "Messages": [{"Code": "MaxQueryTimeRangeExceeded", "Value": "range too long"}],
            },
            _expected(),
        )
        with caplog.at_level(logging.WARNING):
            result = fetch_metric_data(client, [query], START, END)
    assert result.messages == ["MaxQueryTimeRangeExceeded: range too long"]
    logged = [r for r in caplog.records if r.getMessage() == "GetMetricData returned messages"]
    assert logged and all(r.messages == result.messages for r in logged)  # type: ignore[attr-defined]
