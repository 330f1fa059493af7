"""One aggregation run: settings from the environment, clients, and the run itself."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from analytics_contract.metrics import MAX_FAILED_QUERY_SHARE
from analytics_contract.sources import MetricSources, parse_metric_sources
from botocore.config import Config

from aggregator.fetch import fetch_metric_data
from aggregator.items import to_items
from aggregator.queries import aligned_window, build_queries, check_period
from aggregator.retry import Clock, Deadline, Rng, Sleep
from aggregator.writer import write_items

# Time kept back from Lambda's remaining time for the final log line, metrics flush and raising.
SAFETY_MARGIN_MS = 5000

# botocore's standard mode retries throttling and transient errors (its own list of codes, for
# both services) with exponential backoff and jitter. 5 attempts ride out ~15 s of throttling at
# worst: DynamoDB's calls keep that (the writer retries what is left across calls), while
# GetMetricData's retries are bounded by the run's deadline instead (``retry.DeadlineRetries``),
# so a burst of throttles only fails a run that has no time left. Adaptive mode would add a
# client-side rate limiter whose waits the deadline cannot see, for no gain with one run at a
# time. Timeouts keep one slow call from eating the whole invocation.
BOTO_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 5},
    connect_timeout=3,
    read_timeout=10,
)


# DynamoDB table names: 3-255 of these characters.
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
# Upper bounds keep window and TTL arithmetic inside what datetime and DynamoDB accept.
_LIMITS = {"LOOKBACK_MINUTES": 24 * 60, "RETENTION_DAYS": 3650, "PERIOD_SECONDS": 86400}


class ConfigurationError(ValueError):
    """An environment variable is missing or invalid; the message names it."""


@dataclass(frozen=True)
class Settings:
    """The aggregator's environment, validated."""

    table: str
    """``METRICS_TABLE``: where datapoints go."""
    sources: MetricSources
    """``METRIC_SOURCES``: what to watch."""
    lookback_minutes: int = 15
    retention_days: int = 30
    period_seconds: int = 60
    region: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read and validate; a bad value raises ``ConfigurationError`` naming the variable."""
        table = env.get("METRICS_TABLE", "")
        if not table:
            raise ConfigurationError("METRICS_TABLE is not set")
        if not _TABLE_NAME.fullmatch(table):
            raise ConfigurationError(
                f"METRICS_TABLE {table!r} must match {_TABLE_NAME.pattern} (DynamoDB table name)"
            )
        if not env.get("METRIC_SOURCES"):
            raise ConfigurationError("METRIC_SOURCES is not set")
        try:
            sources = parse_metric_sources(env["METRIC_SOURCES"])
        except ValueError as exc:
            raise ConfigurationError(f"METRIC_SOURCES: {exc}") from exc
        lookback = _positive_int(env, "LOOKBACK_MINUTES", 15)
        retention = _positive_int(env, "RETENTION_DAYS", 30)
        period = _positive_int(env, "PERIOD_SECONDS", 60)
        try:
            check_period(period)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from exc
        if lookback * 60 < period:
            raise ConfigurationError(
                f"LOOKBACK_MINUTES {lookback} must cover at least one period ({period} s)"
            )
        return cls(
            table=table,
            sources=sources,
            lookback_minutes=lookback,
            retention_days=retention,
            period_seconds=period,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    limit = _LIMITS[name]
    # int() would also take spaces, underscores and non-ASCII digits; only plain digits are meant.
    value = int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else 0
    if not 0 < value <= limit:
        raise ConfigurationError(f"{name} {raw!r} must be a whole number from 1 to {limit}")
    return value


@dataclass
class Runtime:
    """Everything a run needs, built once per container; tests build their own."""

    settings: Settings
    cloudwatch: Any
    dynamodb: Any
    wall_clock: Clock = time.time
    monotonic: Clock = time.monotonic
    sleep: Sleep = time.sleep
    rng: Rng = random.random


def build_runtime(env: Mapping[str, str]) -> Runtime:
    """Settings plus boto3 clients configured with ``BOTO_CONFIG``."""
    settings = Settings.from_env(env)
    session = boto3.session.Session(region_name=settings.region)
    return Runtime(
        settings=settings,
        cloudwatch=session.client("cloudwatch", config=BOTO_CONFIG),
        dynamodb=session.client("dynamodb", config=BOTO_CONFIG),
    )


@dataclass
class RunStats:
    """What a run did; logged as one structured line."""

    window_start: int
    window_end: int
    queries: int
    get_metric_data_calls: int
    datapoints: int
    items: int
    writes: int
    retries: int
    sdk_retries: int
    query_errors: int
    partial_series: int
    skipped_values: int
    duration_ms: int
    failed_series: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Whether this run counts for the heartbeat: it wrote every item (else it raised) and
        no more than ``MAX_FAILED_QUERY_SHARE`` of its queries failed. A run whose queries are
        all refused (e.g. ``Forbidden`` after an IAM change) writes nothing wrong, but watches
        nothing either."""
        return self.query_errors <= MAX_FAILED_QUERY_SHARE * self.queries

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.__dict__, "healthy": self.healthy}


def run_aggregation(runtime: Runtime, remaining_ms: int) -> RunStats:
    """Fetch the lookback window of every catalogue query and write it to the table.

    Raises (``DeadlineExceeded``/``WriteIncomplete``/``ClientError``) rather than lose data.
    """
    started = runtime.monotonic()
    settings = runtime.settings
    deadline = Deadline.from_lambda_context(remaining_ms, SAFETY_MARGIN_MS, runtime.monotonic)
    window = aligned_window(
        runtime.wall_clock(), settings.lookback_minutes, settings.period_seconds
    )
    queries = build_queries(settings.sources, settings.period_seconds)
    fetched = fetch_metric_data(
        runtime.cloudwatch,
        queries,
        window.start,
        window.end,
        deadline=deadline,
        rng=runtime.rng,
    )
    batch = to_items(fetched.datapoints, settings.retention_days)
    written = write_items(
        runtime.dynamodb,
        settings.table,
        batch.items,
        deadline,
        sleep=runtime.sleep,
        rng=runtime.rng,
    )
    return RunStats(
        window_start=int(window.start.timestamp()),
        window_end=int(window.end.timestamp()),
        queries=len(queries),
        get_metric_data_calls=fetched.calls,
        datapoints=len(fetched.datapoints),
        items=written.written,
        writes=written.calls,
        retries=written.retries,
        sdk_retries=written.sdk_retries + fetched.sdk_retries,
        query_errors=len(fetched.query_errors),
        partial_series=len(fetched.partial),
        skipped_values=batch.skipped,
        duration_ms=int((runtime.monotonic() - started) * 1000),
        failed_series=sorted(fetched.query_errors),
    )
