"""Every answer comes well before Lambda's timeout, even when AWS endpoints hang.

A VPC endpoint that accepts TCP connections and never answers is the worst case for botocore:
each attempt waits out its read timeout. Lambda kills an invocation at its timeout and API
Gateway then answers a bare 502, so the handler must answer a 503 first.

The runs against such an endpoint wait out real timeouts (the deployed ones): they are made once,
side by side, each in a process of its own, and the tests below read what each run saw.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType, SimpleNamespace
from typing import Any, TypeVar

import pytest

from tests.functions.api_handler.conftest import (
    Answer,
    FakeContext,
    decode_response,
    make_event,
)
from tests.functions.conftest import TEST_REGION, set_neutral_aws_env

pytestmark = pytest.mark.slow

FUNCTION_TIMEOUT_MS = 15_000
"""The API function's timeout in the stacks."""
ANSWER_BOUND = 0.8
"""Share of the remaining time by which an answer must be out (the duration alarm's level)."""


HANGING_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"


def _cold_container_with_hanging_aws(patch: pytest.MonkeyPatch, port: int) -> None:
    """A container's environment as Pulumi sets it, with Secrets Manager and DynamoDB behind an
    endpoint that accepts connections and never answers."""
    from api import deps

    set_neutral_aws_env(patch)
    for key, value in {
        "DB_HOST": "127.0.0.1",
        "DB_NAME": "analytics",
        "DB_SECRET_ARN": HANGING_SECRET_ARN,
        "METRICS_TABLE": "metrics",
        "POWERTOOLS_SERVICE_NAME": "api",
        "POWERTOOLS_METRICS_NAMESPACE": "cw-analytics/test",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": f"http://127.0.0.1:{port}",
        "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{port}",
    }.items():
        patch.setenv(key, value)
    patch.delenv("DB_CA_BUNDLE", raising=False)
    deps.reset()  # a cold container: no secret cached, no connection, no clients


@dataclass(frozen=True)
class TimedHealth:
    """A /health answer and how long the handler took to give it."""

    answer: Answer
    elapsed: float


def _timed_health(handler_module: ModuleType, remaining_ms: int) -> TimedHealth:
    started = time.monotonic()
    response = handler_module.handler(
        make_event("GET", "/health"), FakeContext(remaining_ms=remaining_ms)
    )
    return TimedHealth(decode_response(response), time.monotonic() - started)


@dataclass(frozen=True)
class TimedCall:
    """What one client call against the hanging endpoint did."""

    attempts: int
    raised: str
    elapsed: float


def _timed_describe_table(region: str) -> TimedCall:
    from api import aws

    client = aws.make_client("dynamodb", region)
    sent: list[float] = []
    client.meta.events.register("before-send", lambda **_: sent.append(time.monotonic()))
    started = time.monotonic()
    try:
        client.describe_table(TableName="t")
    except Exception as exc:  # noqa: BLE001 - returned to the test, which names the one expected
        raised = type(exc).__name__
    else:
        raised = "nothing"
    return TimedCall(len(sent), raised, time.monotonic() - started)


T = TypeVar("T")


def _in_forked_process(scenario: Callable[[], T]) -> Callable[[], T]:
    """Start ``scenario`` in a forked copy of this process (the handler's module state, a cold
    container, is its own there); the returned function waits for its result.

    Each scenario spends seconds waiting on timeouts: side by side they wait once in all.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def run() -> None:
        try:
            sender.send((True, scenario()))
        except BaseException:  # noqa: BLE001 - reported to the test in the parent
            sender.send((False, traceback.format_exc()))

    process = context.Process(target=run, daemon=True)
    process.start()
    sender.close()

    def result() -> T:
        try:
            if not receiver.poll(SCENARIO_LIMIT_S):
                raise AssertionError(f"a scenario gave no result within {SCENARIO_LIMIT_S} s")
            succeeded, value = receiver.recv()
        finally:
            process.kill()
            process.join()
            receiver.close()
        if not succeeded:
            raise AssertionError(f"the scenario failed in its process:\n{value}")
        return value

    return result


SCENARIO_LIMIT_S = 60


@dataclass(frozen=True)
class HangingRuns:
    """The three runs against hanging AWS endpoints, made side by side once for the module."""

    cold_health: TimedHealth
    """/health on a cold container with the deployed timeout."""
    short_health: TimedHealth
    """/health with ``SHORT_REMAINING_MS`` left of the invocation."""
    describe_table: TimedCall
    """One DynamoDB call through ``aws.make_client``."""


SHORT_REMAINING_MS = 4_000
"""Less than one hanging call may block: /health must stop waiting at the deadline."""


@contextlib.contextmanager
def _silent_listener() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that completes each connection and never reads or answers (the
    kernel queues up to the backlog without ``accept``): no thread runs beside the forks."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield int(listener.getsockname()[1])


@pytest.fixture(scope="module")
def hanging_runs(handler_module: ModuleType) -> HangingRuns:
    """Each run in its own process, all at once, against one silent endpoint; the endpoint
    variables are this fixture's alone (restored before any test runs)."""
    with _silent_listener() as port, pytest.MonkeyPatch.context() as patch:
        _cold_container_with_hanging_aws(patch, port)
        cold = _in_forked_process(lambda: _timed_health(handler_module, FUNCTION_TIMEOUT_MS))
        short = _in_forked_process(lambda: _timed_health(handler_module, SHORT_REMAINING_MS))
        call = _in_forked_process(lambda: _timed_describe_table(TEST_REGION))
        return HangingRuns(cold_health=cold(), short_health=short(), describe_table=call())


def test_health_cold_with_hanging_aws_answers_within_function_timeout(
    hanging_runs: HangingRuns,
) -> None:
    """Secrets Manager and DynamoDB hang on a cold container with the deployed 15 s timeout:
    /health is 503, both checks unavailable, well inside 80 % of the timeout."""
    answer, elapsed = hanging_runs.cold_health.answer, hanging_runs.cold_health.elapsed
    assert answer.status == 503, answer.body
    assert answer.body["checks"]["database"]["message"] == "secret unavailable"
    assert answer.body["checks"]["metrics_table"]["message"] == "metrics_table unavailable"
    bound = FUNCTION_TIMEOUT_MS / 1000 * ANSWER_BOUND
    assert elapsed < bound, f"/health took {elapsed:.1f}s, bound {bound:.1f}s"


def test_health_answers_by_the_deadline_when_checks_outlast_it(
    hanging_runs: HangingRuns,
) -> None:
    """With 4 s left, each hanging call would block longer than that: /health stops waiting at
    the request's deadline and reports both checks unavailable."""
    from api import aws, deadline

    assert aws.AWS_CALL_WORST_S > SHORT_REMAINING_MS / 1000, "the calls must outlast the time"
    answer, elapsed = hanging_runs.short_health.answer, hanging_runs.short_health.elapsed
    assert answer.status == 503, answer.body
    assert {c["status"] for c in answer.body["checks"].values()} == {"unavailable"}
    expected = SHORT_REMAINING_MS / 1000 * deadline.BUDGET_FRACTION
    assert expected - 0.1 < elapsed < SHORT_REMAINING_MS / 1000 * ANSWER_BOUND, (
        f"/health took {elapsed:.2f}s; the deadline was {expected:.2f}s"
    )


def test_aws_client_makes_its_stated_attempts_against_a_hanging_endpoint(
    hanging_runs: HangingRuns,
) -> None:
    """A hanging DynamoDB: the client tries ``AWS_TOTAL_ATTEMPTS`` times in all, the first
    included, and gives up within ``AWS_CALL_WORST_S``."""
    from api import aws

    call = hanging_runs.describe_table
    assert call.raised == "ReadTimeoutError"
    assert call.attempts == aws.AWS_TOTAL_ATTEMPTS == 2
    assert call.elapsed <= aws.AWS_CALL_WORST_S, f"one call blocked {call.elapsed:.1f}s"


@pytest.fixture()
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline module's monotonic clock stands still: what a budget computes is exact, not
    shortened by however long a busy machine pauses this test between two readings."""
    from api import deadline

    now = time.monotonic()
    monkeypatch.setattr(deadline, "time", SimpleNamespace(monotonic=lambda: now))


@pytest.mark.parametrize(
    ("remaining", "expected_s"),
    [(15_000, 10.5), (3_000, 2.1)],
)
def test_deadline_is_a_share_of_the_remaining_time(
    remaining: int, expected_s: float, frozen_clock: None
) -> None:
    """The budget is ``BUDGET_FRACTION`` of what the Lambda context reports."""
    from api.deadline import Deadline

    left = Deadline.for_invocation(FakeContext(remaining_ms=remaining)).remaining()
    assert left == pytest.approx(expected_s)


@pytest.mark.parametrize("context", [None, object(), FakeContext(remaining_ms=0)])
def test_deadline_without_usable_context_uses_default_budget(
    context: Any, frozen_clock: None
) -> None:
    """No context (or no time reported): the default budget, never zero or an exception."""
    from api.deadline import DEFAULT_BUDGET_S, Deadline

    left = Deadline.for_invocation(context).remaining()
    assert left == pytest.approx(DEFAULT_BUDGET_S)


class _PagingClient:
    """A DynamoDB client stand-in: every page has one item and a key for the next."""

    def __init__(self) -> None:
        self.calls = 0

    def query(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        sk = f"{self.calls:010d}"
        return {
            "Items": [{"pk": {"S": "series#a"}, "sk": {"S": sk}, "ts": {"N": str(self.calls)}}],
            "LastEvaluatedKey": {"pk": {"S": "series#a"}, "sk": {"S": sk}},
        }


def test_metrics_paging_stops_when_no_call_fits_before_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Less time left than one call may block: one page is read, and the answer carries a
    token for the rest instead of starting calls the invocation cannot wait for."""
    from api import deadline, metrics_store
    from api.aws import AWS_CALL_WORST_S

    monkeypatch.setattr(deadline, "_current", deadline.Deadline.after(AWS_CALL_WORST_S - 1))
    client = _PagingClient()
    result = metrics_store.get_datapoints(
        client, "t", "a", start=0, end=10, limit=5, token=None, now=0
    )
    assert client.calls == 1
    assert result is not None and len(result["datapoints"]) == 1
    assert result["next_token"] is not None


def test_metrics_paging_reads_several_pages_with_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plenty of time: pages are read until the limit is met."""
    from api import deadline, metrics_store

    monkeypatch.setattr(deadline, "_current", deadline.Deadline.after(60))
    client = _PagingClient()
    result = metrics_store.get_datapoints(
        client, "t", "a", start=0, end=10, limit=5, token=None, now=0
    )
    assert client.calls == 5
    assert result is not None and len(result["datapoints"]) == 5
