"""api_handler test fixtures: the function's code on sys.path, moto, and a wired environment."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.functions.conftest import FAKE_CREDENTIALS, TEST_REGION, PgDatabase

FUNCTION_DIR = Path(__file__).resolve().parents[3] / "functions" / "api_handler"
SHARED_DIR = FUNCTION_DIR.parent / "shared"
for _root in (SHARED_DIR, FUNCTION_DIR):
    if str(_root) not in sys.path:
        # The zip root holds ``handler.py``, the ``api`` package and ``analytics_contract``.
        sys.path.insert(0, str(_root))

from api import deadline, deps  # noqa: E402 - needs the path above
from api.aws import make_client  # noqa: E402


@pytest.fixture(autouse=True)
def no_request_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts outside of a request, as a fresh container does.

    The handler leaves the last request's deadline in place (the next request sets its own), so
    without this a test calling ``Database`` directly would inherit whatever deadline the test run
    before it left, expired or not, and pass or fail with the order tests run in.
    """
    monkeypatch.setattr(deadline, "_current", None)


@dataclass
class FakeContext:
    """The parts of a LambdaContext Powertools reads."""

    function_name: str = "cw-analytics-test-api-handler"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:eu-west-1:123456789012:function:cw-analytics-test-api-handler"
    )
    aws_request_id: str = field(default_factory=lambda: secrets.token_hex(8))
    remaining_ms: int = 30_000
    """What Lambda reports as left of the invocation when it starts (about the timeout)."""

    def get_remaining_time_in_millis(self) -> int:
        """The time left, as Lambda reports it."""
        return self.remaining_ms


def make_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    request_id: str = "req-1",
    api_key_id: str | None = None,
    api_key: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event as the gateway sends it (nulls included); the API
    key and its id are set in the identity as API Gateway does on a key-required route."""
    raw_body: str | None
    if body is None:
        raw_body = None
    elif base64_body:
        data = body.encode() if isinstance(body, str) else body
        raw_body = base64.b64encode(data).decode()
    else:
        raw_body = body if isinstance(body, str) else body.decode()
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} if headers else None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": request_id,
            "stage": "v1",
            "httpMethod": method,
            "path": f"/v1{path}",
            "identity": {"sourceIp": "203.0.113.9", "apiKey": api_key, "apiKeyId": api_key_id},
        },
        "body": raw_body,
        "isBase64Encoded": base64_body,
    }


@dataclass
class Answer:
    """A handler response, decoded."""

    status: int
    body: Any
    headers: dict[str, str]
    raw: dict[str, Any]


def decode_response(response: dict[str, Any]) -> Answer:
    """Status, JSON body and flattened headers of a proxy response."""
    headers: dict[str, str] = dict(response.get("headers") or {})
    for key, values in (response.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(values)
    return Answer(
        status=response["statusCode"],
        body=json.loads(response["body"]),
        headers=headers,
        raw=response,
    )


@pytest.fixture(scope="session")
def handler_module() -> ModuleType:
    """``functions/api_handler/handler.py`` under a private module name.

    Both Lambda functions have a top-level ``handler`` module; loading by path keeps them apart
    in one pytest session.
    """
    spec = importlib.util.spec_from_file_location(
        "cwa_api_handler_entry", FUNCTION_DIR / "handler.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as mp:
        # Powertools reads these when ``api.app`` is imported, as in a Lambda container.
        mp.setenv("POWERTOOLS_SERVICE_NAME", "api")
        mp.setenv("POWERTOOLS_METRICS_NAMESPACE", "cw-analytics/test")
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free local port, for DynamoDB and Secrets Manager."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@dataclass(frozen=True)
class MotoClients:
    """The tests' own clients of the moto server (the function makes its own per container)."""

    endpoint: str
    dynamodb: Any
    secrets: Any


@pytest.fixture(scope="session")
def moto_clients(moto_endpoint: str) -> MotoClients:
    """Made once: a boto3 client costs tens of milliseconds of CPU, and every test sets up its
    table and secret through these two."""
    options: dict[str, Any] = {
        "region_name": TEST_REGION,
        "endpoint_url": moto_endpoint,
        **{name.lower(): value for name, value in FAKE_CREDENTIALS.items()},
    }
    return MotoClients(
        endpoint=moto_endpoint,
        dynamodb=boto3.client("dynamodb", **options),
        secrets=boto3.client("secretsmanager", **options),
    )


METRICS_KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]


@dataclass
class ApiEnv:
    """Everything a test needs to drive the handler against real PostgreSQL and moto."""

    handler: Any
    db: PgDatabase
    table: str
    secret_arn: str
    dynamodb: Any
    secrets: Any
    monkeypatch: pytest.MonkeyPatch
    secret_fetches: list[str] = field(default_factory=list)
    """One entry per GetSecretValue call the function's own clients made."""

    def call(
        self, method: str, path: str, *, context: FakeContext | None = None, **kwargs: Any
    ) -> Answer:
        """Invoke the Lambda handler with a v1 proxy event."""
        event = make_event(method, path, **kwargs)
        return decode_response(self.handler(event, context or FakeContext()))

    def post_event(self, doc: Any, **kwargs: Any) -> Answer:
        """POST /events with a JSON body."""
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        return self.call("POST", "/events", body=json.dumps(doc), headers=headers, **kwargs)

    def rotate_password(self, new_password: str) -> None:
        """Rotate: change the role's password in PostgreSQL and in the secret."""
        self.db.server.set_password(self.db.user, new_password)
        self.secrets.put_secret_value(
            SecretId=self.secret_arn,
            SecretString=json.dumps({"username": self.db.user, "password": new_password}),
        )

    def put_datapoint(self, series: str, ts: int, value: float, *, expires_at: int) -> None:
        """Write a datapoint item as the aggregator does."""
        self.dynamodb.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"series#{series}"},
                "sk": {"S": f"{ts:010d}"},
                "ts": {"N": str(ts)},
                "value": {"N": repr(value)},
                "stat": {"S": "Sum"},
                "unit": {"S": "Count"},
                "expires_at": {"N": str(expires_at)},
            },
        )

    def put_catalogue(self, series: str, ts: int, value: float, *, expires_at: int) -> None:
        """Write a catalogue item as the aggregator does."""
        self.dynamodb.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": "catalogue"},
                "sk": {"S": series},
                "latest_ts": {"N": str(ts)},
                "latest_value": {"N": repr(value)},
                "stat": {"S": "Sum"},
                "unit": {"S": "Count"},
                "expires_at": {"N": str(expires_at)},
            },
        )


@pytest.fixture()
def api_env(
    aws_env: str,
    moto_clients: MotoClients,
    pg_database: PgDatabase,
    handler_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ApiEnv]:
    """A fresh container: own table, own secret, own database; env vars set as Pulumi sets them."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_clients.endpoint)
    dynamodb, secrets_client = moto_clients.dynamodb, moto_clients.secrets
    table = f"metrics-{secrets.token_hex(4)}"
    dynamodb.create_table(
        TableName=table,
        KeySchema=METRICS_KEY_SCHEMA,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    secret_arn = secrets_client.create_secret(
        Name=f"db-{secrets.token_hex(4)}",
        SecretString=json.dumps({"username": pg_database.user, "password": pg_database.password}),
    )["ARN"]
    env = {
        "DB_HOST": pg_database.host,
        "DB_PORT": str(pg_database.port),
        "DB_NAME": pg_database.name,
        "DB_SECRET_ARN": secret_arn,
        "METRICS_TABLE": table,
        "POWERTOOLS_SERVICE_NAME": "api",
        "POWERTOOLS_METRICS_NAMESPACE": "cw-analytics/test",
        "DB_CONNECT_TIMEOUT": "2",
        "DB_STATEMENT_TIMEOUT_MS": "3000",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DB_CA_BUNDLE", raising=False)
    deps.reset()
    env_under_test = ApiEnv(
        handler=handler_module.handler,
        db=pg_database,
        table=table,
        secret_arn=secret_arn,
        dynamodb=dynamodb,
        secrets=secrets_client,
        monkeypatch=monkeypatch,
    )

    def make_counted_client(service: str, region: str | None) -> Any:
        # The hook goes on the function's own clients as they are built, not on a client built
        # here for it: most tests never read the secret, and a client costs ~10 ms of CPU.
        client = make_client(service, region)
        if service == "secretsmanager":
            client.meta.events.register(
                "before-call.secrets-manager.GetSecretValue",
                lambda **_: env_under_test.secret_fetches.append(secret_arn),
            )
        return client

    monkeypatch.setattr(deps, "make_client", make_counted_client)
    deps.container()  # the settings are read now, from this environment
    try:
        yield env_under_test
    finally:
        deps.reset()


@contextlib.contextmanager
def serve_silently() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word (a hung
    database or endpoint); yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.fixture()
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word (a hung database)."""
    with serve_silently() as port:
        yield port


LogReader = Callable[[], list[dict[str, Any]]]


@pytest.fixture()
def api_logs(handler_module: ModuleType) -> Iterator[LogReader]:
    """A function returning every JSON log line the handler has written since the test began."""
    import io

    from api.app import logger

    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
