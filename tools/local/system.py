"""The local system: start everything, serve the API, run the aggregator on its schedule, stop.

Real: both functions' code (``handler.py`` of each, in its own process with the environment the
components give it), PostgreSQL with TLS (Debian's 15; RDS runs 16), the route table, the
API key check, the EMF metrics the handler prints. Emulated: API Gateway (``gateway``), Lambda
(``functions``), EventBridge's schedule (a timer), CloudWatch Logs' metric extraction (``emf``),
the AWS-published Lambda and API Gateway metrics, and DynamoDB, Secrets Manager and CloudWatch
(moto, ``emulator``).
"""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tools.local import contract
from tools.local.emf import MetricPut, parse_emf
from tools.local.emulator import ACCOUNT_ID, Emulator
from tools.local.functions import Invocation, LocalFunction
from tools.local.gateway import Gateway, HttpRequest, HttpResponse, new_api_key
from tools.local.http_server import ApiHttpServer, bind_http, stop_serving
from tools.local.options import LocalOptions
from tools.local.pg_server import PgServer, find_bin_dir, free_port, start_server
from tools.local.scratch import clean_stale_scratch_dirs, new_scratch_dir
from tools.local.stack import FunctionDescription, StackDescription, load_stack

PG_HOST = "127.0.0.1"
PG_START_TIMEOUT_SECONDS = 60.0


class LocalSystem:
    """Everything ``make local`` runs; ``start()`` then ``stop()`` (or use it with ``with``)."""

    def __init__(self, options: LocalOptions, http: ApiHttpServer | None = None) -> None:
        """``http``: the API's server, bound already (``python -m tools.local`` binds the port
        before importing the rest); else ``start`` binds ``options.port`` first."""
        self.options = options
        self._bound = http
        self.api_key = new_api_key()
        self.stack: StackDescription | None = None
        self.pg: PgServer | None = None
        self.emulator: Emulator | None = None
        self.api: LocalFunction | None = None
        self.aggregator: LocalFunction | None = None
        self._http: ApiHttpServer | None = None
        self.gateway: Gateway | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._pg_dir: Path | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-pg")
        self._pg_future: Future[PgServer] | None = None
        self.next_aggregation: datetime | None = None
        """When the scheduled aggregator runs next (None: not scheduled)."""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._http is not None
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def temp_dirs(self) -> list[Path]:
        """Directories the system created (removed by ``stop``)."""
        return [self._pg_dir] if self._pg_dir is not None else []

    def __enter__(self) -> LocalSystem:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start PostgreSQL, the emulator and the functions (the aggregator only if it is
        scheduled), then serve the API."""
        self._http = self._bound or bind_http(self.options.port)
        self._bound = None
        try:
            self._start_services()
        except BaseException:
            self.stop()
            raise
        self.gateway = Gateway(
            contract.routes(),
            api_key=self.api_key,
            stage=self._stack().stage,
            account_id=ACCOUNT_ID,
            integration=self._invoke_api,
        )
        self._http.answer = self.handle
        self._http.log = self.options.log
        self._spawn(self._http.serve_forever, "http")
        every = self._aggregate_every()
        if every > 0:
            self.next_aggregation = datetime.now(UTC) + timedelta(seconds=every)
            self._spawn(lambda: self._schedule(every), "schedule")

    def _stack(self) -> StackDescription:
        assert self.stack is not None
        return self.stack

    def _aggregate_every(self) -> float:
        """Seconds between scheduled aggregator runs; 0: not scheduled."""
        every = self.options.aggregate_every
        return float(self._stack().schedule_seconds) if every is None else every

    def _start_services(self) -> None:
        # PostgreSQL (certificates, initdb) and the functions' imports take longest: they run
        # side by side, so the port and password are chosen before either starts.
        pg_port, password = free_port(), secrets.token_urlsafe(24)
        clean_stale_scratch_dirs(find_bin_dir() / "pg_ctl", log=self.options.log)
        pg_dir = new_scratch_dir()
        self._pg_dir = pg_dir
        self._pg_future = self._pool.submit(
            start_server, tls=True, force_ssl=True, port=pg_port, base_dir=pg_dir
        )
        self._start_functions(pg_port, password, pg_dir / "tls" / "ca.pem")
        self.pg = self._pg_future.result()
        stack = self._stack()
        self.pg.create_database(stack.db_name, stack.db_username, password)
        assert self.api is not None and self.aggregator is not None
        self.api.wait_ready()
        if self._aggregate_every() > 0:
            self.aggregator.wait_ready()

    def _start_functions(self, pg_port: int, password: str, ca_bundle: Path) -> None:
        self.stack = stack = load_stack(contract.REPO_ROOT, self.options.stack)
        self.emulator = Emulator(stack.region)
        secret_arn = self.emulator.create_secret(
            f"{stack.api_handler.name}-db-credentials",
            {
                "username": stack.db_username,
                "password": password,
                "host": PG_HOST,
                "port": pg_port,
                "dbname": stack.db_name,
                "engine": "postgres",
            },
        )
        self.emulator.create_table(stack.table)
        alert_topic = stack.aggregator.environment.get("ALERT_TOPIC_ARN")
        if alert_topic:
            # The aggregator reads the topic's confirmed subscriptions on every run.
            self.emulator.create_topic(alert_topic)
        api_env = {
            **stack.api_handler.environment,
            "DB_HOST": PG_HOST,
            "DB_PORT": str(pg_port),
            "DB_SECRET_ARN": secret_arn,
            # Verified TLS, against the CA the local server's certificate is made with.
            "DB_CA_BUNDLE": str(ca_bundle),
        }
        aggregator_env = {
            **stack.aggregator.environment,
            **self.options.aggregator_environment,
        }
        self.api = self._function(stack.api_handler, contract.API_HANDLER_DIR, api_env)
        self.aggregator = self._function(stack.aggregator, contract.AGGREGATOR_DIR, aggregator_env)
        self.api.start()
        if self._aggregate_every() > 0:
            # Unscheduled, the aggregator runs only when asked (``run_aggregator``), which the
            # command never does: its process starts cold at its first run, as a Lambda
            # function's does, and never if there is none.
            self.aggregator.start()

    def _function(
        self, description: FunctionDescription, code: Path, environment: Mapping[str, str]
    ) -> LocalFunction:
        assert self.emulator is not None
        region = self._stack().region
        runtime_env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "AWS_LAMBDA_FUNCTION_NAME": description.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(description.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{description.name}",
            **self.emulator.environment(),
            **environment,
        }
        if self.options.aws_call_log is not None:
            runtime_env["CWA_AWS_CALL_LOG"] = str(self.options.aws_call_log)
        return LocalFunction(
            description.name,
            code,
            runtime_env,
            timeout_seconds=description.timeout_seconds,
            memory_mb=description.memory_mb,
            arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{description.name}",
            sink=self._on_line,
            shared_dirs=(contract.SHARED_DIR,),
        )

    def _on_line(self, function: str, line: str) -> None:
        puts = parse_emf(line)
        if not puts:
            self.options.log(f"[{function}] {line}")
        for put in puts:
            self._put(put)

    def _put(self, put: MetricPut) -> None:
        emulator = self.emulator  # stop() clears it from another thread
        if emulator is None:
            return
        try:
            emulator.put_metrics(put)
        except Exception as exc:  # noqa: BLE001 - a lost datapoint must not stop the system
            self.options.log(f"could not put metrics of {put.namespace}: {exc}")

    def _lambda_metrics(self, function: str, invocation: Invocation) -> None:
        now = datetime.now(UTC)
        dims = [{"Name": "FunctionName", "Value": function}]
        values = {
            "Invocations": (1.0, "Count"),
            "Errors": (1.0 if invocation.error else 0.0, "Count"),
            "Duration": (invocation.duration_ms, "Milliseconds"),
        }
        self._put(
            MetricPut(
                "AWS/Lambda",
                [
                    {"MetricName": m, "Dimensions": dims, "Timestamp": now, "Value": v, "Unit": u}
                    for m, (v, u) in values.items()
                ],
            )
        )

    def _gateway_metrics(self, status: int, latency_ms: float) -> None:
        stack = self._stack()
        dims = [
            {"Name": "ApiName", "Value": stack.api_name},
            {"Name": "Stage", "Value": stack.stage},
        ]
        now = datetime.now(UTC)
        values = {
            "Count": (1.0, "Count"),
            "4XXError": (1.0 if 400 <= status < 500 else 0.0, "Count"),
            "5XXError": (1.0 if status >= 500 else 0.0, "Count"),
            "Latency": (latency_ms, "Milliseconds"),
        }
        self._put(
            MetricPut(
                "AWS/ApiGateway",
                [
                    {"MetricName": m, "Dimensions": dims, "Timestamp": now, "Value": v, "Unit": u}
                    for m, (v, u) in values.items()
                ],
            )
        )

    def _invoke_api(self, event: dict[str, Any]) -> Any:
        assert self.api is not None
        invocation = self.api.invoke(event)
        self._lambda_metrics(self.api.name, invocation)
        return None if invocation.error else invocation.result

    def handle(self, request: HttpRequest) -> HttpResponse:
        """One request through the gateway, with API Gateway's own metrics put for it."""
        assert self.gateway is not None
        started = time.perf_counter()
        response = self.gateway.handle(request)
        self._gateway_metrics(response.status, (time.perf_counter() - started) * 1000)
        return response

    def run_aggregator(self) -> Invocation:
        """One scheduled run of the aggregator, as EventBridge would start it."""
        assert self.aggregator is not None
        stack = self._stack()
        now = datetime.now(UTC)
        event = {
            "version": "0",
            "id": secrets.token_hex(16),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": stack.region,
            "resources": [
                f"arn:aws:events:{stack.region}:{ACCOUNT_ID}:rule/{stack.aggregator.name}-schedule"
            ],
            "detail": {},
        }
        invocation = self.aggregator.invoke(event)
        self._lambda_metrics(self.aggregator.name, invocation)
        outcome = invocation.error or invocation.result
        self.options.log(f"aggregator run ({invocation.duration_ms:.0f} ms): {outcome}")
        return invocation

    def _schedule(self, every: float) -> None:
        while not self._stopping.wait(every):
            self.next_aggregation = datetime.now(UTC) + timedelta(seconds=every)
            self.run_aggregator()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=f"local-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop everything started; safe to call twice and after a failed start."""
        self._stopping.set()
        if self._http is not None:
            if self._threads:
                stop_serving(self._http)
            self._http.server_close()
        # The functions, the emulator and PostgreSQL no longer depend on each other once the API
        # takes no requests, and each mostly waits for a process or thread to end: side by side.
        # Every part runs to its end; the first error (if any) is raised afterwards.
        functions = [f.stop for f in (self.api, self.aggregator) if f is not None]
        parts = [*functions, self._stop_emulator, self._stop_postgres]
        with ThreadPoolExecutor(len(parts), thread_name_prefix="local-stop") as pool:
            stopping = [pool.submit(part) for part in parts]
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self._http = None
        for part in stopping:
            part.result()

    def _stop_emulator(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def _stop_postgres(self) -> None:
        if self.pg is None and self._pg_future is not None:
            # Stopped while PostgreSQL was still starting: let it finish, then stop it.
            try:
                self.pg = self._pg_future.result(timeout=PG_START_TIMEOUT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - nothing more to stop if it failed to start
                self.options.log(f"PostgreSQL did not start: {exc}")
        self._pg_future = None
        self._pool.shutdown(wait=False)
        if self.pg is not None:
            self.pg.destroy()
            self.pg = None
        if self._pg_dir is not None:
            # Also when PostgreSQL failed to start and no PgServer owns the directory.
            shutil.rmtree(self._pg_dir, ignore_errors=True)
