"""The AWS emulator: moto's server on 127.0.0.1, seeded like a deployed stack.

Seeded with what the functions read: the database secret (JSON with ``username`` and
``password``) and the metrics table with the stack's key schema and TTL attribute. moto's
GetMetricData has no percentile statistics; ``_percentile_shim`` adds them (nearest rank over the
raw values put, which is what CloudWatch gives for small samples). KMS, IAM, VPC are not emulated.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
import botocore.utils
import botocore.validate
from moto.cloudwatch import models as cloudwatch_models
from moto.server import ThreadedMotoServer

from tools.local.emf import MetricPut
from tools.local.http_server import stop_serving
from tools.local.stack import TableDescription

ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def percentile(values: list[float], stat: str) -> float | None:
    """Nearest-rank percentile ``pNN`` / ``pNN.N`` of ``values``; None if there are none."""
    if not values:
        return None
    rank = float(stat[1:])
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(rank / 100 * len(ordered)) - 1))
    return ordered[index]


def _percentile_shim() -> None:
    original = cloudwatch_models.Statistics.get_statistics_for_type
    if getattr(original, "_cwa_local", False):
        return

    def get_statistics_for_type(self: Any, stat: str) -> Any:
        if stat.startswith("p") and stat[1:].replace(".", "", 1).isdigit():
            return percentile(list(self.metric_single_values_list), stat)
        return original(self, stat)

    get_statistics_for_type._cwa_local = True  # type: ignore[attr-defined]
    cloudwatch_models.Statistics.get_statistics_for_type = get_statistics_for_type  # type: ignore[method-assign]


@functools.cache
def _put_metric_data_shape() -> Any:
    """PutMetricData's request shape from botocore's CloudWatch model (read at the first put)."""
    model = botocore.session.get_session().get_service_model("cloudwatch")
    return model.operation_model("PutMetricData").input_shape


def _checked(put: MetricPut) -> list[dict[str, Any]]:
    """The put's datums as moto's PutMetricData hands them to its backend, once the whole
    request passed the checks botocore makes before it sends one (names, dimensions, types;
    ``ValueError`` naming each problem): all of it is stored, or none.

    Timestamps become what the API's wire format gives moto: UTC without a zone (moto compares
    them with its own naive UTC clock), whatever botocore accepts (aware or naive datetime,
    ISO 8601 text, epoch seconds).
    """
    request = {"Namespace": put.namespace, "MetricData": put.metric_data}
    report = botocore.validate.ParamValidator().validate(request, _put_metric_data_shape())
    if report.has_errors():
        raise ValueError(report.generate_report())
    received = []
    for datum in put.metric_data:
        value = datum.get("Value", 0.0)
        if isinstance(value, bool):  # botocore's check takes True for a number
            raise ValueError(f"Value of {datum['MetricName']} must be a number, not {value!r}")
        copy = dict(datum)
        if "Timestamp" in datum:
            stamp = datum["Timestamp"]
            if not isinstance(stamp, datetime):
                stamp = botocore.utils.parse_timestamp(stamp)
            if stamp.tzinfo is not None:
                stamp = stamp.astimezone(UTC).replace(tzinfo=None)
            copy["Timestamp"] = stamp
        received.append(copy)
    return received


class Emulator:
    """moto's server in a thread of this process, and clients for it."""

    def __init__(self, region: str) -> None:
        _percentile_shim()
        # One access-log line per AWS call would drown the functions' own logs.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.region = region
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # moto keeps its backends per process, not per server: start from nothing, so a second
        # system in the same process (the tests start several) sees none of the last one's data.
        self.reset()
        # The session's keyword arguments are the variables' names in lower case.
        self._session = boto3.session.Session(
            **{name.lower(): value for name, value in FAKE_CREDENTIALS.items()},
            region_name=region,
        )

    def reset(self) -> None:
        """Forget every resource and datapoint (moto's reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def client(self, service: str) -> Any:
        """A boto3 client for the emulator."""
        return self._session.client(service, endpoint_url=self.endpoint)

    def environment(self) -> dict[str, str]:
        """What a function needs to reach the emulator instead of AWS."""
        return {
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    def create_secret(self, name: str, document: Mapping[str, Any]) -> str:
        """Store the database secret; returns its ARN."""
        response = self.client("secretsmanager").create_secret(
            Name=name, SecretString=json.dumps(dict(document))
        )
        return str(response["ARN"])

    def create_topic(self, arn: str) -> None:
        """The SNS topic ``arn`` names (the alert topic the aggregator reads), in this region."""
        name = arn.rsplit(":", 1)[-1]
        created = str(self.client("sns").create_topic(Name=name)["TopicArn"])
        if created != arn:
            raise ValueError(f"the emulator made topic {created}, not {arn} (account or region)")

    def create_table(self, table: TableDescription) -> None:
        """The metrics table with the stack's keys and TTL attribute."""
        dynamodb = self.client("dynamodb")
        keys = [{"AttributeName": table.hash_key, "KeyType": "HASH"}]
        if table.range_key:
            keys.append({"AttributeName": table.range_key, "KeyType": "RANGE"})
        dynamodb.create_table(
            TableName=table.name,
            KeySchema=keys,
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in table.attributes.items()
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )

    def put_metrics(self, put: MetricPut) -> None:
        """Store the datums in moto's CloudWatch for this region, as PutMetricData would.

        Straight into moto's backend, not through the API: neither the metrics AWS publishes
        (API Gateway's, Lambda's) nor those CloudWatch Logs extracts from EMF lines pass through
        PutMetricData, and a call over HTTP costs about 9 ms of CPU (botocore's request, moto's
        parsing), three or four times per API request. What botocore would refuse before
        sending is refused here, the whole put (``ValueError``); the backend applies
        PutMetricData's own checks after that.
        """
        datums = _checked(put)
        backend = cloudwatch_models.cloudwatch_backends[ACCOUNT_ID][self.region]
        backend.put_metric_data(put.namespace, datums)

    def stop(self) -> None:
        """Forget everything and shut the server down (its port is free afterwards)."""
        self.reset()
        server = getattr(self._server, "_server", None)
        if server is not None:
            stop_serving(server)  # at once, not after the serving loop's next 0.5 s poll
        self._server.stop()  # joins the server's thread, which has ended or is ending
        if server is not None:
            server.server_close()
