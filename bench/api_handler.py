"""Benchmark of the API handler: each route next to the raw dependency calls it makes.

Runs against a PostgreSQL it starts itself (``tools/local/pg_server.py``) and a moto server
for DynamoDB and Secrets Manager. For every route, the same requests to PostgreSQL and DynamoDB
are made directly with the handler's own client and connection, interleaved with the route's
requests so both see the same noise; the difference is what the handler adds (routing,
validation, serialisation, the request log and metric). Prints figures; asserts nothing.
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
sys.path[:0] = [str(REPO), str(FUNCTION_DIR), str(REPO / "functions" / "shared")]

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


def timed_pair(
    route: Callable[[], Any], floor: Callable[[], Any], n: int
) -> tuple[list[float], list[float]]:
    """Alternate ``route`` and ``floor`` n times each (after warm-ups); durations in ms."""
    for _ in range(10):
        route()
        floor()
    routes: list[float] = []
    floors: list[float] = []
    for _ in range(n):
        for fn, out in ((route, routes), (floor, floors)):
            started = time.perf_counter()
            fn()
            out.append((time.perf_counter() - started) * 1000)
    return routes, floors


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
                # The archive root holds analytics_contract next to handler.py.
                env={
                    **os.environ,
                    "POWERTOOLS_METRICS_NAMESPACE": "bench",
                    "PYTHONPATH": str(REPO / "functions" / "shared"),
                },
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


def raw_calls(c: Any, series: str) -> dict[str, Callable[[], Any]]:
    """Per route, the dependency calls it makes, made directly with the handler's own client
    and connection (``c`` is the handler's container), nothing else."""
    from datetime import UTC, datetime, timedelta

    from analytics_contract.series import CATALOGUE_PK, epoch_sk, series_pk
    from api import sql
    from api.validation import NewEvent, SummaryQuery

    ddb, table, db = c.dynamodb, c.settings.metrics_table, c.database
    con = db.connection
    now = int(time.time())
    catalogue = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "FilterExpression": "attribute_not_exists(expires_at) OR expires_at > :now",
        "ExpressionAttributeValues": {":pk": {"S": CATALOGUE_PK}, ":now": {"N": str(now)}},
        "Limit": 100,
    }
    datapoints = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
        "FilterExpression": "attribute_not_exists(expires_at) OR expires_at > :now",
        "ExpressionAttributeValues": {
            ":pk": {"S": series_pk(series)},
            ":lo": {"S": epoch_sk(0)},
            ":hi": {"S": epoch_sk(now)},
            ":now": {"N": str(now)},
        },
        "ScanIndexForward": False,
        "Limit": 100,
    }
    end = datetime.now(UTC)
    # The route's defaults: the last 24 hours in hourly buckets.
    summary = SummaryQuery(name="bench", start=end - timedelta(hours=24), end=end, bucket="hour")

    def health() -> None:
        sql.ping(con)
        ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": CATALOGUE_PK}},
            Limit=1,
        )

    return {
        "GET /health": health,
        "GET /metrics": lambda: ddb.query(**catalogue),
        "GET /metrics/{series}": lambda: ddb.query(**datapoints),
        "POST /events": lambda: sql.insert_event(
            con, NewEvent(name="bench", value=1.5, timestamp=None, dimensions={}), None, "anonymous"
        ),
        "GET /events/summary": lambda: sql.summarise(con, summary),
    }


def report_cold_start() -> None:
    """Print the import cost of the handler next to boto3's."""
    print(f"cold start (fresh interpreter, best of {COLD_RUNS}, minus bare interpreter):")
    print(f"  import handler            {cold_import('import handler'):8.1f} ms")
    print(f"  import boto3              {cold_import('import boto3'):8.1f} ms")
    print(
        f"  import handler + boto3    {cold_import('import handler, boto3'):8.1f} ms"
        "  (boto3 is imported on the first request)"
    )


def report_warm(
    routes: dict[str, Callable[[], Any]],
    floors: dict[str, Callable[[], Any]],
    con: Any,
    quiet: Any,
) -> None:
    """Print each route's warm latency next to its raw dependency calls, and the difference."""
    from api import sql

    floor = timed(lambda: sql.ping(con), WARM_ITERATIONS)
    print(
        f"\nSELECT 1 on the handler's connection: p50 {percentile(floor, 50):.3f} ms, "
        f"p99 {percentile(floor, 99):.3f} ms"
    )
    print(f"\nwarm latency, {WARM_ITERATIONS} requests each, interleaved (ms):")
    print(
        f"  {'route':22} {'route p50':>9} {'raw p50':>8} {'overhead':>8}   "
        f"{'route p99':>9} {'raw p99':>8} {'overhead':>8}   {'paired p50':>10}"
    )
    for name, call in routes.items():
        with contextlib.redirect_stdout(quiet):
            samples, raw = timed_pair(call, floors[name], WARM_ITERATIONS)
        p50, raw50 = percentile(samples, 50), percentile(raw, 50)
        p99, raw99 = percentile(samples, 99), percentile(raw, 99)
        # The median of per-pair differences is less exposed to a loaded machine than the
        # difference of two medians.
        paired = percentile([r - f for r, f in zip(samples, raw, strict=True)], 50)
        print(
            f"  {name:22} {p50:9.3f} {raw50:8.3f} {p50 - raw50:8.3f}   "
            f"{p99:9.3f} {raw99:8.3f} {p99 - raw99:8.3f}   {paired:10.3f}"
        )


def main() -> None:
    """Start the dependencies, measure, print."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from tools.local.pg_server import start_server

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
            # The level the stacks deploy the function with: every request writes its
            # "request handled" line, as in Lambda.
            "LOG_LEVEL": "INFO",
        }
        os.environ.pop("POWERTOOLS_LOG_LEVEL", None)
        os.environ.update(env)
        series = "custom.api.RouteRequests-events-2xx.Sum"
        seed_table(boto3.client("dynamodb", endpoint_url=endpoint), series)
        arn = boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(
            Name="bench-db", SecretString=json.dumps({"username": "bench", "password": "bench-pw"})
        )["ARN"]
        os.environ["DB_SECRET_ARN"] = arn

        import handler
        from api import deps
        from api.app import logger

        # EMF lines (print) and log lines (the logger's own stream, bound at import) go to
        # stdout in Lambda; here both go to /dev/null, still formatted and written.
        quiet = open(os.devnull, "w")  # noqa: SIM115 - closed with the process
        logger.registered_handler.setStream(quiet)  # type: ignore[attr-defined]
        print(f"log level: {logging.getLevelName(logger.log_level)} (as deployed)")

        class Ctx:
            function_name = "bench"
            memory_limit_in_mb = 256
            invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
            aws_request_id = "bench"

            @staticmethod
            def get_remaining_time_in_millis() -> int:
                return 15_000  # the function's timeout, as at the start of an invocation

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

        started = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            request("GET", "/health")()
        first = (time.perf_counter() - started) * 1000
        print(f"\nfirst request (secret fetch, clients, connect, TLS unverified): {first:.1f} ms")

        c = deps.container()
        con = c.database.connection
        routes = {
            "GET /health": request("GET", "/health"),
            "GET /metrics": request("GET", "/metrics"),
            "GET /metrics/{series}": request("GET", f"/metrics/{series}"),
            "POST /events": request("POST", "/events", body='{"name": "bench", "value": 1.5}'),
            "GET /events/summary": request(
                "GET", "/events/summary", {"name": "bench", "bucket": "hour"}
            ),
        }
        report_warm(routes, raw_calls(c, series), con, quiet)
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
