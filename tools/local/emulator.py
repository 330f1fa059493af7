"""The AWS emulator: moto's server on 127.0.0.1, seeded like a deployed stack.

Seeded with what the functions read: the database secret (JSON with ``username`` and
``password``) and the metrics table with the stack's key schema and TTL attribute. moto's
GetMetricData has no percentile statistics; ``_percentile_shim`` adds them (nearest rank over the
raw values put, which is what CloudWatch gives for small samples). KMS, IAM, VPC are not emulated.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.request
from collections.abc import Mapping
from typing import Any

import boto3
from moto.cloudwatch import models as cloudwatch_models
from moto.server import ThreadedMotoServer

from tools.local.emf import MetricPut
from tools.local.http_server import stop_serving
from tools.local.stack import TableDescription

ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
_PUT_CHUNK = 1000  # PutMetricData takes at most 1,000 datums a call


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
        self.cloudwatch = self.client("cloudwatch")

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
        """One PutMetricData call per 1,000 datums."""
        for offset in range(0, len(put.metric_data), _PUT_CHUNK):
            self.cloudwatch.put_metric_data(
                Namespace=put.namespace, MetricData=put.metric_data[offset : offset + _PUT_CHUNK]
            )

    def stop(self) -> None:
        """Forget everything and shut the server down (its port is free afterwards)."""
        self.reset()
        server = getattr(self._server, "_server", None)
        if server is not None:
            stop_serving(server)  # at once, not after the serving loop's next 0.5 s poll
        self._server.stop()  # joins the server's thread, which has ended or is ending
        if server is not None:
            server.server_close()
