"""Benchmark of the API handler: warm latency per route, the SELECT 1 floor, cold import time.

Runs against a PostgreSQL it starts itself (``tests/functions/pg_server.py``) and a moto server
for DynamoDB and Secrets Manager. Prints figures; asserts nothing.
    venv/bin/python bench/api_handler.py
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FUNCTION_DIR = REPO / "functions" / "api_handler"
sys.path[:0] = [str(REPO), str(FUNCTION_DIR)]

WARM_ITERATIONS = 300
COLD_RUNS = 7


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``samples`` (ms)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    """Run ``fn`` n times after 10 warm-ups; durations in ms."""
    for _ in range(10):
        fn()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def cold_import(statement: str) -> float:
    """Best-of-N wall time (ms) of a fresh interpreter running ``statement`` minus a bare one."""

    def run(code: str) -> float:
        best = float("inf")
        for _ in range(COLD_RUNS):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code],
                cwd=FUNCTION_DIR,
                check=True,
                env={**os.environ, "POWERTOOLS_METRICS_NAMESPACE": "bench"},
            )
            best = min(best, (time.perf_counter() - started) * 1000)
        return best

    return run(statement) - run("pass")


def seed_table(ddb: Any, series: str) -> None:
    """Create the metrics table with 200 datapoints and a catalogue entry."""
    ddb.create_table(
        TableName="metrics",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    now = int(time.time())
    for i in range(200):
        ddb.put_item(
            TableName="metrics",
            Item={
                "pk": {"S": f"series#{series}"},
                "sk": {"S": f"{now - 60 * i:010d}"},
                "ts": {"N": str(now - 60 * i)},
                "value": {"N": str(i)},
                "stat": {"S": "Sum"},
                "expires_at": {"N": str(now + 86400)},
            },
        )
    ddb.put_item(
        TableName="metrics",
        Item={
            "pk": {"S": "catalogue"},
            "sk": {"S": series},
            "latest_ts": {"N": str(now)},
            "latest_value": {"N": "1"},
            "stat": {"S": "Sum"},
            "expires_at": {"N": str(now + 86400)},
        },
    )


def report_cold_start() -> None:
    """Print the import cost of the handler next to boto3's."""
    print(f"cold start (fresh interpreter, best of {COLD_RUNS}, minus bare interpreter):")
    print(f"  import handler            {cold_import('import handler'):8.1f} ms")
    print(f"  import boto3              {cold_import('import boto3'):8.1f} ms")
    print(
        f"  import handler + boto3    {cold_import('import handler, boto3'):8.1f} ms"
        "  (boto3 is imported on the first request)"
    )


def main() -> None:
    """Start the dependencies, measure, print."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from tests.functions.pg_server import start_server

    report_cold_start()

    server = start_server(tls=True)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        server.create_database("bench", "bench", "bench-pw")
        env = {
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL": endpoint,
            "DB_HOST": server.host,
            "DB_PORT": str(server.port),
            "DB_NAME": "bench",
            "METRICS_TABLE": "metrics",
            "POWERTOOLS_SERVICE_NAME": "api",
            "POWERTOOLS_METRICS_NAMESPACE": "cw-analytics/bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        series = "custom.api.Requests.Sum"
        seed_table(boto3.client("dynamodb", endpoint_url=endpoint), series)
        arn = boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(
            Name="bench-db", SecretString=json.dumps({"username": "bench", "password": "bench-pw"})
        )["ARN"]
        os.environ["DB_SECRET_ARN"] = arn

        import handler
        from api import deps, sql

        class Ctx:
            function_name = "bench"
            memory_limit_in_mb = 256
            invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
            aws_request_id = "bench"

        def request(
            method: str, path: str, query: dict[str, str] | None = None, body: str | None = None
        ) -> Callable[[], Any]:
            event = {
                "httpMethod": method,
                "path": path,
                "queryStringParameters": query,
                "headers": {"Content-Type": "application/json"},
                "body": body,
                "isBase64Encoded": False,
                "requestContext": {"requestId": "bench"},
            }

            def call() -> Any:
                response = handler.handler(event, Ctx())
                assert response["statusCode"] < 500, response
                return response

            return call

        # EMF lines and logs go to stdout as in Lambda; keep them out of the report.
        quiet = open(os.devnull, "w")  # noqa: SIM115 - closed with the process
        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            request("GET", "/health")()
        first = (time.perf_counter() - started) * 1000
        print(f"\nfirst request (secret fetch, clients, connect, TLS unverified): {first:.1f} ms")

        routes = {
            "GET /health": request("GET", "/health"),
            "GET /metrics": request("GET", "/metrics"),
            "GET /metrics/{series} (limit 100)": request("GET", f"/metrics/{series}"),
            "POST /events": request("POST", "/events", body='{"name": "bench", "value": 1.5}'),
            "GET /events/summary (hour)": request(
                "GET", "/events/summary", {"name": "bench", "bucket": "hour"}
            ),
        }
        con = deps.container().database.connection
        print(f"\nwarm latency, {WARM_ITERATIONS} requests each (ms):")
        print(f"  {'route':38} {'p50':>7} {'p99':>7}")
        floor = timed(lambda: sql.ping(con), WARM_ITERATIONS)
        print(
            f"  {'SELECT 1 on the same connection':38} {percentile(floor, 50):7.3f} "
            f"{percentile(floor, 99):7.3f}"
        )
        for name, call in routes.items():
            with contextlib.redirect_stdout(quiet):
                samples = timed(call, WARM_ITERATIONS)
            print(f"  {name:38} {percentile(samples, 50):7.3f} {percentile(samples, 99):7.3f}")
        stored = deps.container().database.run(lambda c: c.run("SELECT count(*) FROM events"))
        print(
            f"\n(events stored: {stored[0][0]}; PostgreSQL {server.port}, moto {endpoint}, "
            f"Python {sys.version.split()[0]})"
        )
    finally:
        moto.stop()
        server.destroy()


if __name__ == "__main__":
    main()
