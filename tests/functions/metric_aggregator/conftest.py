"""Fixtures for the metric aggregator tests (moto clients, fake clock, sources)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from .helpers import NAMESPACE, REGION, TABLE, FakeClock, create_table

from analytics_contract.sources import MetricSources  # isort: skip  (helpers puts it on sys.path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sources() -> MetricSources:
    return MetricSources(
        api_name="cw-analytics-test-api",
        api_stage="v1",
        functions=("cw-analytics-test-api-handler", "cw-analytics-test-aggregator"),
        db="cw-analytics-test-db",
        table=TABLE,
        namespace=NAMESPACE,
    )


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and a region, and moto for everything boto3 does."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(aws_env: None) -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client)
    return client


@pytest.fixture
def cloudwatch(aws_env: None) -> Any:
    return boto3.client("cloudwatch", region_name=REGION)
