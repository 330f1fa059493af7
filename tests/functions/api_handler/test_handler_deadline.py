"""Every answer comes well before Lambda's timeout, even when AWS endpoints hang.

A VPC endpoint that accepts TCP connections and never answers is the worst case for botocore:
each attempt waits out its read timeout. Lambda kills an invocation at its timeout and API
Gateway then answers a bare 502, so the handler must answer a 503 first.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from tests.functions.api_handler.conftest import ApiEnv, FakeContext

pytestmark = pytest.mark.postgres

FUNCTION_TIMEOUT_MS = 15_000
"""The API function's timeout in the stacks."""
ANSWER_BOUND = 0.8
"""Share of the remaining time by which an answer must be out (the duration alarm's level)."""


def _hang_aws(api_env: ApiEnv, port: int) -> None:
    from api import deps

    api_env.monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f"http://127.0.0.1:{port}")
    api_env.monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{port}")
    deps.reset()  # a cold container: no secret cached, no connection, no clients


def test_health_cold_with_hanging_aws_answers_within_function_timeout(
    api_env: ApiEnv, silent_server: int
) -> None:
    """Secrets Manager and DynamoDB hang on a cold container with the deployed 15 s timeout:
    /health is 503, both checks unavailable, well inside 80 % of the timeout."""
    _hang_aws(api_env, silent_server)
    started = time.monotonic()
    answer = api_env.call("GET", "/health", context=FakeContext(remaining_ms=FUNCTION_TIMEOUT_MS))
    elapsed = time.monotonic() - started
    assert answer.status == 503, answer.body
    assert answer.body["checks"]["database"]["message"] == "secret unavailable"
    assert answer.body["checks"]["metrics_table"]["message"] == "metrics_table unavailable"
    bound = FUNCTION_TIMEOUT_MS / 1000 * ANSWER_BOUND
    assert elapsed < bound, f"/health took {elapsed:.1f}s, bound {bound:.1f}s"


def test_health_answers_by_the_deadline_when_checks_outlast_it(
    api_env: ApiEnv, silent_server: int
) -> None:
    """With 4 s left, each hanging call would block longer than that: /health stops waiting at
    the request's deadline and reports both checks unavailable."""
    from api import deadline

    remaining_ms = 4_000
    _hang_aws(api_env, silent_server)
    started = time.monotonic()
    answer = api_env.call("GET", "/health", context=FakeContext(remaining_ms=remaining_ms))
    elapsed = time.monotonic() - started
    assert answer.status == 503, answer.body
    assert {c["status"] for c in answer.body["checks"].values()} == {"unavailable"}
    expected = remaining_ms / 1000 * deadline.BUDGET_FRACTION
    assert expected - 0.1 < elapsed < remaining_ms / 1000 * ANSWER_BOUND, (
        f"/health took {elapsed:.2f}s; the deadline was {expected:.2f}s"
    )


def test_aws_client_makes_its_stated_attempts_against_a_hanging_endpoint(
    aws_env: str, silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hanging DynamoDB: the client tries ``AWS_TOTAL_ATTEMPTS`` times in all, the first
    included, and gives up within ``AWS_CALL_WORST_S``."""
    from api import aws
    from botocore.exceptions import ReadTimeoutError

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{silent_server}")
    client = aws.make_client("dynamodb", aws_env)
    sent: list[float] = []
    client.meta.events.register("before-send", lambda **_: sent.append(time.monotonic()))
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        client.describe_table(TableName="t")
    elapsed = time.monotonic() - started
    assert len(sent) == aws.AWS_TOTAL_ATTEMPTS == 2
    assert elapsed <= aws.AWS_CALL_WORST_S, f"one call blocked {elapsed:.1f}s"


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
