"""Every line the function writes is JSON carrying the configured service name.

Runs the handler in a fresh interpreter, so the service name is read at import time exactly as in
Lambda, with a service name that differs from the package names (``aggregator``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .helpers import FUNCTION_DIR, NAMESPACE, REGION, SHARED_DIR, TABLE

SERVICE = "metric-aggregator"

# One run with a refused query, a value DynamoDB cannot store and a call-level message, then one
# whose writes fail: every module of the function logs something.
SCRIPT = textwrap.dedent(
    f"""
    import math, sys
    from datetime import datetime, timedelta, timezone
    sys.path[:0] = [{str(SHARED_DIR)!r}, {str(FUNCTION_DIR)!r}, {str(Path(__file__).parent)!r}]
    import boto3
    from moto import mock_aws
    from helpers import LambdaContextStub, create_table, load_handler_module

    def doctor(parsed, **_):
        results = parsed["MetricDataResults"]
        results[0]["StatusCode"] = "Forbidden"
        results[0]["Messages"] = [{{"Code": "AccessDenied", "Value": "not authorized"}}]
        results[1]["Timestamps"] = [datetime.now(timezone.utc) - timedelta(minutes=5)]
        results[1]["Values"] = [math.inf]
        parsed["Messages"] = [{{"Code": "MaxQueryTimeRangeExceeded", "Value": "too long"}}]

    with mock_aws():
        module = load_handler_module()
        runtime = module.runtime()
        create_table(runtime.dynamodb)
        cloudwatch = runtime.cloudwatch
        cloudwatch.meta.events.register(
            "provide-client-params.cloudwatch.GetMetricData",
            lambda params, **_: {{**params, "MetricDataQueries": [
                q for q in params["MetricDataQueries"] if not q["MetricStat"]["Stat"][0] == "p"
            ]}},
        )
        cloudwatch.meta.events.register("after-call.cloudwatch.GetMetricData", doctor)
        cloudwatch.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[{{"MetricName": "Count", "Value": 1.0,
                         "Timestamp": datetime.now(timezone.utc) - timedelta(minutes=3),
                         "Dimensions": [{{"Name": "ApiName", "Value": "api"}},
                                        {{"Name": "Stage", "Value": "v1"}}]}}],
        )
        module.handler({{}}, LambdaContextStub())
        runtime.dynamodb.delete_table(TableName={TABLE!r})
        try:
            module.handler({{}}, LambdaContextStub())
        except Exception as exc:
            assert type(exc).__name__ == "WriteIncomplete", exc
    """
)


@pytest.fixture(scope="module")
def output() -> list[str]:
    sources = json.dumps(
        {
            "v": 1,
            "api": {"name": "api", "stage": "v1"},
            "functions": ["fn"],
            "db": "db",
            "table": TABLE,
            "namespace": NAMESPACE,
        }
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "POWERTOOLS_SERVICE_NAME": SERVICE,
        "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
        "METRICS_TABLE": TABLE,
        "METRIC_SOURCES": sources,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def _records(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def test_aggregator_logging_writes_only_json_lines(output: list[str]) -> None:
    for line in output:
        try:
            json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")


def test_aggregator_logging_every_log_line_carries_the_configured_service(
    output: list[str],
) -> None:
    logs = [r for r in _records(output) if "_aws" not in r]
    assert logs, "the function logged nothing"
    assert {r.get("service") for r in logs} == {SERVICE}, logs


def test_aggregator_logging_metrics_keep_the_alarmed_service_dimension(output: list[str]) -> None:
    emf = [r for r in _records(output) if "_aws" in r]
    assert emf and all(r["service"] == "aggregator" for r in emf), emf


@pytest.mark.parametrize(
    ("message", "keys"),
    [
        ("metric query failed", {"series", "status"}),
        ("GetMetricData returned messages", {"messages"}),
        ("skipping datapoint DynamoDB cannot store", {"series", "ts", "value"}),
        ("items not written", set()),
        ("aggregation run", {"queries", "query_errors", "healthy"}),
    ],
)
def test_aggregator_logging_module_lines_keep_their_fields(
    output: list[str], message: str, keys: set[str]
) -> None:
    lines = [r for r in _records(output) if message in str(r.get("message", ""))]
    assert lines, f"no line with {message!r}"
    assert keys <= lines[0].keys(), lines[0]
    assert lines[0]["service"] == SERVICE
