"""``python -m tools.local``: run the system on this machine until Ctrl-C, SIGTERM or SIGHUP."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING

from tools.local.http_server import PortInUseError, bind_http
from tools.local.options import DEFAULT_PORT, LocalOptions

if TYPE_CHECKING:
    from tools.local.system import LocalSystem  # noqa: PLC0415

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def parse_args(argv: list[str] | None = None) -> LocalOptions:
    """Command-line options; argparse exits with status 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.local",
        description="Run the API, the aggregator, PostgreSQL and an AWS emulator locally.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="API port (8080)")
    parser.add_argument("--stack", default="dev", help="stack to seed from (dev)")
    parser.add_argument(
        "--aggregate-every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds between aggregator runs (default: the stack's schedule; 0: never)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port < 65536:
        parser.error(f"--port {args.port} must be 0-65535")
    if args.aggregate_every is not None and args.aggregate_every < 0:
        parser.error(f"--aggregate-every {args.aggregate_every} must be >= 0")
    return LocalOptions(port=args.port, stack=args.stack, aggregate_every=args.aggregate_every)


def emulator_lines(endpoint: str, region: str, table: str) -> list[str]:
    """Where the AWS emulator listens, and how to read the metrics table with the AWS CLI and
    boto3 (the emulator takes any credentials; these are the functions')."""
    from tools.local.emulator import FAKE_CREDENTIALS  # noqa: PLC0415 - loaded once running

    creds = " ".join(f"{name}={value}" for name, value in FAKE_CREDENTIALS.items())
    client = f"boto3.client('dynamodb', endpoint_url='{endpoint}', region_name='{region}')"
    return [
        f"  AWS emulator: {endpoint} (region {region}; DynamoDB, Secrets Manager, CloudWatch)",
        f"  metrics table: {table}",
        f"  {creds} aws --endpoint-url {endpoint} --region {region} "
        f"dynamodb scan --table-name {table}",
        f'  {creds} venv/bin/python -c "import boto3; '
        f"print({client}.scan(TableName='{table}')['Items'])\"",
    ]


def banner(system: LocalSystem, seconds: float) -> str:
    """What to tell the user once the API answers."""
    base, key = system.base_url, system.api_key
    assert system.stack is not None and system.emulator is not None
    every = system.options.aggregate_every
    schedule = every if every is not None else system.stack.schedule_seconds
    return "\n".join(
        [
            f"cw-analytics ({system.stack.stack} stack) running locally, ready in {seconds:.1f} s",
            f"  API base URL: {base}",
            f"  API key:      {key}",
            f"  aggregator:   every {schedule:g} s"
            if schedule
            else "  aggregator:   not scheduled",
            *(f"  scratch:      {path} (removed on exit)" for path in system.temp_dirs),
            "",
            f"  curl {base}/health",
            f"  curl -X POST {base}/events -H 'x-api-key: {key}' "
            '-H \'Content-Type: application/json\' -d \'{"name": "signup", "value": 1}\'',
            f"  curl '{base}/metrics'",
            f'  (/metrics answers {{"series":[]}} until {_first_series(system, schedule)})',
            "",
            *emulator_lines(system.emulator.endpoint, system.stack.region, system.stack.table.name),
            "",
            "Ctrl-C stops everything.",
        ]
    )


def _first_series(system: LocalSystem, schedule: float) -> str:
    """When requests made now first show up in ``GET /metrics``."""
    if not schedule or system.next_aggregation is None:
        return "an aggregator run, which is not scheduled (--aggregate-every 0)"
    return (
        "an aggregator run after the minute of your requests has ended; next run at "
        f"{system.next_aggregation:%H:%M:%S} UTC, then every {schedule:g} s"
    )


def main(argv: list[str] | None = None) -> int:
    """Start, print the banner, wait for a signal, stop."""
    started = time.monotonic()
    options = parse_args(argv)
    try:
        http = bind_http(options.port)
    except PortInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # The rest (moto, the component library, Pulumi's SDK: seconds of imports) only once the
    # port is ours, so a taken port is reported at once. A signal before the handlers below
    # ends the process, which has started nothing yet.
    from tools.local.functions import FunctionInitError  # noqa: PLC0415
    from tools.local.pg_server import PostgresUnavailableError  # noqa: PLC0415
    from tools.local.stack import StackError  # noqa: PLC0415
    from tools.local.system import LocalSystem  # noqa: PLC0415
    from tools.preview.errors import ProgramError  # noqa: PLC0415

    stop = threading.Event()
    ready = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        first = not stop.is_set()
        stop.set()
        if first and not ready.is_set():
            # Still starting: unwind now, and start() stops what it had started. Only once, so
            # a second Ctrl-C cannot cut that clean-up short.
            raise KeyboardInterrupt

    # SIGHUP: the terminal was closed. PostgreSQL runs in its own session (pg_ctl), so it
    # would outlive this process if SIGHUP's default action ended it without the clean-up.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    system = LocalSystem(options, http=http)
    try:
        system.start()
    except (PostgresUnavailableError, ProgramError, StackError, FunctionInitError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped before it was ready", file=sys.stderr)
        return EXIT_INTERRUPTED
    ready.set()
    try:
        print(banner(system, time.monotonic() - started), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        # After SIGHUP the terminal may be gone: a failed write must not skip the stop.
        with contextlib.suppress(OSError):
            print("stopping...", file=sys.stderr, flush=True)
        system.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
