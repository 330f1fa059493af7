"""The emulator: percentiles moto lacks, and the metrics table seeded with the stack's schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tools.local.emf import MetricPut
from tools.local.emulator import Emulator, percentile
from tools.local.stack import TableDescription


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """moto's server for this module."""
    server = Emulator("eu-west-1")
    try:
        yield server
    finally:
        server.stop()


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, "p99"), percentile(values, "p50"), percentile(values, "p100")) == (
        99.0,
        50.0,
        100.0,
    )


def test_percentile_of_no_values_is_none() -> None:
    assert percentile([], "p99") is None


def test_emulator_get_metric_data_answers_p99(emulator: Emulator) -> None:
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    emulator.put_metrics(
        MetricPut(
            "test/p99",
            [
                {
                    "MetricName": "Duration",
                    "Dimensions": [{"Name": "FunctionName", "Value": "p99-fn"}],
                    "Timestamp": now,
                    "Value": float(v),
                }
                for v in range(1, 101)
            ],
        )
    )
    response = emulator.cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q0",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "test/p99",
                        "MetricName": "Duration",
                        "Dimensions": [{"Name": "FunctionName", "Value": "p99-fn"}],
                    },
                    "Period": 60,
                    "Stat": "p99",
                },
            }
        ],
        StartTime=now - timedelta(minutes=2),
        EndTime=now + timedelta(minutes=2),
    )
    assert response["MetricDataResults"][0]["Values"] == [99.0], response["MetricDataResults"]


def test_emulator_table_has_the_described_keys_and_ttl(emulator: Emulator) -> None:
    table = TableDescription(
        name="seeded-metrics",
        hash_key="pk",
        range_key="sk",
        attributes={"pk": "S", "sk": "S"},
        ttl_attribute="expires_at",
    )
    emulator.create_table(table)
    dynamodb = emulator.client("dynamodb")
    schema = dynamodb.describe_table(TableName="seeded-metrics")["Table"]["KeySchema"]
    ttl = dynamodb.describe_time_to_live(TableName="seeded-metrics")["TimeToLiveDescription"]
    assert {(k["AttributeName"], k["KeyType"]) for k in schema} == {("pk", "HASH"), ("sk", "RANGE")}
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_emulator_secret_holds_the_credentials_document(emulator: Emulator) -> None:
    arn = emulator.create_secret("seeded-db", {"username": "u", "password": "p"})
    secret = emulator.client("secretsmanager").get_secret_value(SecretId=arn)
    assert secret["SecretString"] == '{"username": "u", "password": "p"}'


def test_emulator_starts_without_the_last_ones_data() -> None:
    first = Emulator("eu-west-1")
    try:
        first.create_secret("left-behind", {"username": "u", "password": "p"})
    finally:
        first.stop()
    second = Emulator("eu-west-1")
    try:
        names = [s["Name"] for s in second.client("secretsmanager").list_secrets()["SecretList"]]
    finally:
        second.stop()
    assert "left-behind" not in names, names
