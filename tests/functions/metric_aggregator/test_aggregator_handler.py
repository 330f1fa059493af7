"""The handler end to end: moto CloudWatch (basic statistics) into moto DynamoDB."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from aggregator.queries import aligned_window
from aggregator.run import (
    BOTO_CONFIG,
    ConfigurationError,
    RunStats,
    Runtime,
    Settings,
    build_runtime,
)
from aggregator.writer import WriteIncomplete
from analytics_contract.routes import ROUTE_LABELS, STATUS_LABELS
from analytics_contract.sources import MetricSources
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import (
    NAMESPACE,
    TABLE,
    FakeClock,
    LambdaContextStub,
    ThrottleFirst,
    load_handler_module,
    no_sdk_sleep,
    scan_all,
)

pytestmark = pytest.mark.slow

EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
# Queries that do not grow with the routes, for the two functions of the sources fixture:
# API Gateway 5, Lambda 5 per function, RDS 6, table 2, 2 per DynamoDB operation (4), heartbeat 1.
_FIXED_QUERIES = 5 + 5 * 2 + 6 + 2 + 2 * 4 + 1


class ReturnedDatapoints:
    """Counts the datapoints GetMetricData really returned; drops percentile queries first,
    because moto 5.2.5 crashes on them (they are covered with the Stubber)."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        self.series_with_data = 0
        client.meta.events.register("provide-client-params.cloudwatch.GetMetricData", self._drop)
        client.meta.events.register("after-call.cloudwatch.GetMetricData", self._count)

    @staticmethod
    def _drop(params: dict[str, Any], **_: Any) -> dict[str, Any]:
        queries = [
            q for q in params["MetricDataQueries"] if not q["MetricStat"]["Stat"].startswith("p")
        ]
        return {**params, "MetricDataQueries": queries}

    def _count(self, parsed: dict[str, Any], **_: Any) -> None:
        for result in parsed.get("MetricDataResults", []):
            self.count += len(result.get("Values", []))
            self.series_with_data += bool(result.get("Values"))


def _put(cloudwatch: Any, sources: MetricSources, now: datetime) -> None:
    api_dims = [{"Name": "ApiName", "Value": sources.api_name}, {"Name": "Stage", "Value": "v1"}]
    fn_dims = [{"Name": "FunctionName", "Value": sources.functions[0]}]
    data = []
    for minutes_ago, value in [(2, 3.0), (2, 4.0), (3, 1.0), (7, 10.0), (40, 99.0)]:
        stamp = now - timedelta(minutes=minutes_ago)
        data.append(
            {"MetricName": "Count", "Dimensions": api_dims, "Timestamp": stamp, "Value": value}
        )
    for minutes_ago in (1, 5, 9):
        data.append(
            {
                "MetricName": "Invocations",
                "Dimensions": fn_dims,
                "Timestamp": now - timedelta(minutes=minutes_ago),
                "Value": 2.0,
            }
        )
    cloudwatch.put_metric_data(Namespace="AWS/ApiGateway", MetricData=data[:5])
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=data[5:])
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": "RouteRequests",
                "Dimensions": [
                    {"Name": "service", "Value": "api"},
                    {"Name": "route", "Value": "/events"},
                    {"Name": "status", "Value": "2xx"},
                ],
                "Timestamp": now - timedelta(minutes=4),
                "Value": 7.0,
            }
        ],
    )


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sources: MetricSources, aws_env: None) -> None:
    monkeypatch.setenv("METRICS_TABLE", TABLE)
    monkeypatch.setenv("METRIC_SOURCES", sources.to_env())
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "aggregator")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)


@pytest.fixture
def now() -> datetime:
    # Mid-minute, so puts "n minutes ago" fall inside whole periods of the window.
    return datetime.fromtimestamp(time.time() // 60 * 60 + 30, tz=UTC)


@pytest.fixture
def runtime(env: None, dynamodb: Any, cloudwatch: Any, now: datetime, clock: FakeClock) -> Runtime:
    """The function's settings from the environment, with the test's clients and clocks
    (``build_runtime``'s own clients are checked once, below)."""
    import os

    return Runtime(
        settings=Settings.from_env(os.environ),
        cloudwatch=cloudwatch,
        dynamodb=dynamodb,
        wall_clock=now.timestamp,
        monotonic=clock,
        sleep=clock.sleep,
    )


def test_build_runtime_reads_the_settings_and_configures_both_clients(env: None) -> None:
    """The container's runtime: settings from the environment, and CloudWatch and DynamoDB
    clients in the function's region with its timeouts and retries."""
    import os

    built = build_runtime(os.environ)
    assert built.settings == Settings.from_env(os.environ)
    for client, service in ((built.cloudwatch, "cloudwatch"), (built.dynamodb, "dynamodb")):
        assert client.meta.service_model.service_name == service
        assert client.meta.region_name == built.settings.region
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (
            BOTO_CONFIG.connect_timeout,
            BOTO_CONFIG.read_timeout,
        )
        assert config.retries == BOTO_CONFIG.retries


class _CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def handler_module(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_handler_module()
    # Powertools reuses the handler (and the stream) of the first Logger named "aggregator" in
    # this process; make it write to whatever sys.stdout is when it logs (capsys's, in a test).
    for log_handler in logging.getLogger(module.logger.service).handlers:
        monkeypatch.setattr(log_handler, "stream", _CurrentStdout())
    monkeypatch.setattr(module, "runtime", lambda: runtime)
    return module


def _stdout_json(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_handler_stores_one_item_per_returned_datapoint(
    handler_module: ModuleType, runtime: Runtime, sources: MetricSources, now: datetime
) -> None:
    _put(runtime.cloudwatch, sources, now)
    returned = ReturnedDatapoints(runtime.cloudwatch)
    stats = handler_module.handler(EVENT, LambdaContextStub())
    items = scan_all(runtime.dynamodb)
    catalogue = [i for i in items if i["pk"]["S"] == "catalogue"]
    # Count: 3 minutes inside the window (the 40-minute-old one is outside); Invocations: 3;
    # RouteRequests: 1.
    assert returned.count == 3 + 3 + 1
    assert len(items) - len(catalogue) == returned.count == stats["datapoints"]
    assert len(catalogue) == returned.series_with_data == 3


def test_handler_stores_the_sum_per_period(
    handler_module: ModuleType, runtime: Runtime, sources: MetricSources, now: datetime
) -> None:
    _put(runtime.cloudwatch, sources, now)
    handler_module.handler(EVENT, LambdaContextStub())
    minute = int((now - timedelta(minutes=2)).timestamp()) // 60 * 60
    item = runtime.dynamodb.get_item(
        TableName=TABLE,
        Key={
            "pk": {"S": f"series#apigw.{sources.api_name}.Count.Sum"},
            "sk": {"S": f"{minute:010d}"},
        },
    )["Item"]
    assert item["value"] == {"N": "7.0"}
    assert item["expires_at"] == {"N": str(minute + 30 * 86400)}
    assert item["stat"] == {"S": "Sum"}


def test_handler_rerun_of_the_same_window_overwrites(
    handler_module: ModuleType, runtime: Runtime, sources: MetricSources, now: datetime
) -> None:
    _put(runtime.cloudwatch, sources, now)
    handler_module.handler(EVENT, LambdaContextStub())
    first = sorted(json.dumps(i, sort_keys=True) for i in scan_all(runtime.dynamodb))
    handler_module.handler(EVENT, LambdaContextStub())
    second = sorted(json.dumps(i, sort_keys=True) for i in scan_all(runtime.dynamodb))
    assert len(first) == 10
    assert second == first


def test_handler_emits_the_heartbeat_on_success(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    handler_module.handler(EVENT, LambdaContextStub())
    emf = [r for r in _stdout_json(capsys.readouterr().out) if "_aws" in r]
    assert len(emf) == 1
    directive = emf[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == NAMESPACE
    assert ["service"] in directive["Dimensions"]
    assert emf[0]["service"] == "aggregator"
    assert emf[0]["AggregatorHeartbeat"] == [1.0]


def test_handler_logs_one_structured_line_per_run(
    handler_module: ModuleType,
    runtime: Runtime,
    sources: MetricSources,
    now: datetime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _put(runtime.cloudwatch, sources, now)
    handler_module.handler(EVENT, LambdaContextStub())
    out = capsys.readouterr().out
    lines = [r for r in _stdout_json(out) if r.get("message") == "aggregation run"]
    assert len(lines) == 1
    line = lines[0]
    assert line["queries"] == _FIXED_QUERIES + len(ROUTE_LABELS) * len(STATUS_LABELS)
    assert line["datapoints"] == 7
    assert line["items"] == 10
    assert line["writes"] == 1
    assert line["retries"] == 0
    assert "duration_ms" in line
    assert line["function_request_id"] == LambdaContextStub.aws_request_id


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_handler_raises_and_skips_the_heartbeat_when_writes_fail(
    handler_module: ModuleType,
    runtime: Runtime,
    sources: MetricSources,
    now: datetime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _put(runtime.cloudwatch, sources, now)
    runtime.dynamodb.delete_table(TableName=TABLE)
    with pytest.raises(WriteIncomplete, match="10 items not written"):
        handler_module.handler(EVENT, LambdaContextStub())
    out = capsys.readouterr().out
    assert "AggregatorHeartbeat" not in out


def test_settings_from_env_names_the_bad_variable(sources: MetricSources) -> None:
    env = {"METRICS_TABLE": TABLE, "METRIC_SOURCES": sources.to_env(), "PERIOD_SECONDS": "45"}
    with pytest.raises(ValueError, match="PERIOD_SECONDS 45"):
        Settings.from_env(env)


def test_settings_from_env_reports_metric_sources_errors(sources: MetricSources) -> None:
    env = {"METRICS_TABLE": TABLE, "METRIC_SOURCES": '{"v":1}'}
    with pytest.raises(ValueError, match="^METRIC_SOURCES: METRIC_SOURCES is missing field"):
        Settings.from_env(env)


def test_settings_from_env_applies_defaults(sources: MetricSources) -> None:
    settings = Settings.from_env({"METRICS_TABLE": TABLE, "METRIC_SOURCES": sources.to_env()})
    assert (settings.lookback_minutes, settings.retention_days, settings.period_seconds) == (
        15,
        30,
        60,
    )


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("LOOKBACK_MINUTES", "15\n"),
        ("LOOKBACK_MINUTES", " 15"),
        ("LOOKBACK_MINUTES", "1_5"),
        ("LOOKBACK_MINUTES", "\u0661\u0665"),
        ("LOOKBACK_MINUTES", "99999999"),
        ("RETENTION_DAYS", "-1"),
        ("RETENTION_DAYS", "10000000000000000000000"),
        ("PERIOD_SECONDS", "0"),
    ],
)
def test_settings_from_env_rejects_numbers_that_are_not_plain_bounded_digits(
    sources: MetricSources, name: str, raw: str
) -> None:
    env = {"METRICS_TABLE": TABLE, "METRIC_SOURCES": sources.to_env(), name: raw}
    with pytest.raises(ValueError, match=rf"^{name} .* must be a whole number from 1 to"):
        Settings.from_env(env)


@pytest.mark.parametrize("table", ["ab", "has space", "metrics\n", "t/able", "x" * 256])
def test_settings_from_env_rejects_a_table_name_dynamodb_would_refuse(
    sources: MetricSources, table: str
) -> None:
    env = {"METRICS_TABLE": table, "METRIC_SOURCES": sources.to_env()}
    with pytest.raises(ValueError, match="^METRICS_TABLE .* must match"):
        Settings.from_env(env)


_ENV_KEYS = ("METRICS_TABLE", "METRIC_SOURCES", "LOOKBACK_MINUTES", "RETENTION_DAYS")


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*_ENV_KEYS, "PERIOD_SECONDS"]), st.text(max_size=60), max_size=5
    )
)
def test_settings_from_env_fails_only_with_configuration_error(env: dict[str, str]) -> None:
    try:
        settings_ = Settings.from_env(env)
    except ConfigurationError as exc:
        assert str(exc).split(" ", 1)[0].rstrip(":") in {*_ENV_KEYS, "PERIOD_SECONDS"}, str(exc)
        return
    # Whatever is accepted yields a window datetime and DynamoDB can represent.
    window = aligned_window(1_764_331_200, settings_.lookback_minutes, settings_.period_seconds)
    assert window.start < window.end


def _forbid(client: Any, how_many: int | None) -> None:
    """Mark the first ``how_many`` (None: all) query results Forbidden, as after an IAM change."""

    def doctor(parsed: dict[str, Any], **_: Any) -> None:
        for result in parsed["MetricDataResults"][:how_many]:
            result["StatusCode"] = "Forbidden"
            result["Messages"] = [{"Code": "AccessDenied", "Value": "not authorized"}]

    client.meta.events.register("after-call.cloudwatch.GetMetricData", doctor)


def _emf(out: str) -> dict[str, Any]:
    (record,) = [r for r in _stdout_json(out) if "_aws" in r]
    return record


def test_handler_withholds_the_heartbeat_when_every_query_is_refused(
    handler_module: ModuleType, runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    ReturnedDatapoints(runtime.cloudwatch)
    _forbid(runtime.cloudwatch, None)
    stats = handler_module.handler(EVENT, LambdaContextStub())
    out = capsys.readouterr().out
    emf = _emf(out)
    assert "AggregatorHeartbeat" not in emf, "a run that read nothing must not count as healthy"
    assert emf["AggregatorQueryErrors"] == [float(stats["query_errors"])] != [0.0]
    assert stats["healthy"] is False
    assert any(r.get("level") == "ERROR" for r in _stdout_json(out)), "no error line logged"


def test_handler_keeps_the_heartbeat_for_one_refused_query(
    handler_module: ModuleType, runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    ReturnedDatapoints(runtime.cloudwatch)
    _forbid(runtime.cloudwatch, 1)
    stats = handler_module.handler(EVENT, LambdaContextStub())
    emf = _emf(capsys.readouterr().out)
    assert emf["AggregatorHeartbeat"] == [1.0]
    assert emf["AggregatorQueryErrors"] == [1.0]
    assert stats["healthy"] is True


def test_handler_publishes_zero_query_errors_on_a_clean_run(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    handler_module.handler(EVENT, LambdaContextStub())
    emf = _emf(capsys.readouterr().out)
    assert (emf["AggregatorQueryErrors"], emf["AggregatorSkippedValues"]) == ([0.0], [0.0])


@pytest.mark.parametrize(("errors", "healthy"), [(0, True), (3, True), (4, False), (34, False)])
def test_run_stats_healthy_allows_a_tenth_of_the_queries_to_fail(
    errors: int, healthy: bool
) -> None:
    stats = RunStats(0, 60, 34, 1, 0, 0, 0, 0, 0, errors, 0, 0, 1)
    assert stats.healthy is healthy


def _deep(levels: int) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for _ in range(levels):
        event = {"detail": event}
    return event


@pytest.mark.parametrize(
    "event",
    [{}, {"detail": "x" * 100_000}, _deep(5000), {"time": "not a time", "resources": None}],
    ids=["empty", "large", "deep", "odd-fields"],
)
def test_handler_does_not_read_the_event(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str], event: dict[str, Any]
) -> None:
    stats = handler_module.handler(event, LambdaContextStub())
    assert stats["healthy"] is True
    assert "AggregatorHeartbeat" in _emf(capsys.readouterr().out)


def test_handler_run_survives_five_getmetricdata_throttles_in_a_row(
    handler_module: ModuleType,
    runtime: Runtime,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Five throttles exhaust standard mode's 5 attempts; with two minutes left the run waits
    them out and stays healthy."""
    no_sdk_sleep(monkeypatch, clock)
    throttle = ThrottleFirst(runtime.cloudwatch, "GetMetricData", 5)
    stats = handler_module.handler(EVENT, LambdaContextStub(remaining_ms=120_000))
    assert throttle.attempts == 6
    assert stats["healthy"] and stats["sdk_retries"] >= 5, stats
    emf = [r for r in _stdout_json(capsys.readouterr().out) if "_aws" in r]
    assert emf[0]["AggregatorHeartbeat"] == [1.0]
    assert sum(clock.sleeps) < 120 - 5, "every backoff ended before the run's deadline"
