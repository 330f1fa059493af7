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
    response = emulator.client("cloudwatch").get_metric_data(
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


def test_emulator_put_metrics_are_read_back_through_the_api(emulator: Emulator) -> None:
    """Datums stored without the API come back through it with their dimensions and unit, at
    the time they were stamped with (a zone-aware time, as the system stamps them)."""
    stamped = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    dimensions = [{"Name": "ApiName", "Value": "read-back"}, {"Name": "Stage", "Value": "v1"}]
    emulator.put_metrics(
        MetricPut(
            "test/read-back",
            [
                {
                    "MetricName": "Count",
                    "Dimensions": dimensions,
                    "Timestamp": stamped,
                    "Value": value,
                    "Unit": "Count",
                }
                for value in (1.0, 2.0)
            ],
        )
    )
    cloudwatch = emulator.client("cloudwatch")
    listed = cloudwatch.list_metrics(Namespace="test/read-back")["Metrics"]
    # moto lists a metric with two dimensions once per datum, whichever way it was put.
    assert {(m["MetricName"], str(m["Dimensions"])) for m in listed} == {("Count", str(dimensions))}
    points = cloudwatch.get_metric_statistics(
        Namespace="test/read-back",
        MetricName="Count",
        Dimensions=dimensions,
        StartTime=stamped - timedelta(seconds=30),
        EndTime=stamped + timedelta(seconds=30),
        Period=60,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    assert [(p["Sum"], p["SampleCount"], p["Unit"]) for p in points] == [(3.0, 2.0, "Count")]


@pytest.mark.parametrize(
    ("datum", "complaint"),
    [
        ({"Value": 1.0}, "MetricName"),
        (
            {"MetricName": "Count", "Value": "1"},
            r"Invalid type for parameter MetricData\[0\]\.Value",
        ),
        ({"MetricName": "Count", "Value": True}, "number"),
    ],
)
def test_emulator_put_metrics_refuses_what_put_metric_data_would(
    emulator: Emulator, datum: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        emulator.put_metrics(MetricPut("test/refused", [datum]))
    assert emulator.client("cloudwatch").list_metrics(Namespace="test/refused")["Metrics"] == []


def test_emulator_put_metrics_stores_nothing_when_a_later_datum_is_refused(
    emulator: Emulator,
) -> None:
    """PutMetricData is all or nothing: a dimension without its value in the second datum
    keeps the first one out too."""
    good = {"MetricName": "Count", "Value": 1.0}
    bad = {"MetricName": "Count", "Value": 1.0, "Dimensions": [{"Name": "Stage"}]}
    with pytest.raises(ValueError, match=r"MetricData\[1\]\.Dimensions\[0\].*Value"):
        emulator.put_metrics(MetricPut("test/all-or-nothing", [good, bad]))
    listed = emulator.client("cloudwatch").list_metrics(Namespace="test/all-or-nothing")
    assert listed["Metrics"] == []


@pytest.mark.parametrize("form", ["iso", "epoch", "aware", "naive"])
def test_emulator_put_metrics_reads_back_every_timestamp_form_botocore_accepts(
    emulator: Emulator, form: str
) -> None:
    stamped = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    given: object = {
        "iso": stamped.isoformat(),
        "epoch": stamped.timestamp(),
        "aware": stamped,
        "naive": stamped.replace(tzinfo=None),
    }[form]
    namespace = f"test/stamp-{form}"
    emulator.put_metrics(
        MetricPut(namespace, [{"MetricName": "Count", "Value": 2.0, "Timestamp": given}])
    )
    points = emulator.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName="Count",
        StartTime=stamped - timedelta(seconds=30),
        EndTime=stamped + timedelta(seconds=30),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    assert [p["Sum"] for p in points] == [2.0]


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
