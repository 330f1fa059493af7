"""boto3 on demand: clients with bounded timeouts, and the exception types to catch.

Imported lazily (``# noqa: PLC0415``) on purpose: ``import boto3`` costs ~160 ms and each client
about 58 ms (measured on a warm disk), and not every code path needs them.
"""

from __future__ import annotations

import threading
from typing import Any

AWS_CONNECT_TIMEOUT_S = 1.0
"""Inside a VPC the endpoints answer a TCP handshake in milliseconds; one second is generous."""
AWS_READ_TIMEOUT_S = 2.0
"""GetSecretValue and a one-page Query answer in tens of milliseconds when healthy."""
AWS_TOTAL_ATTEMPTS = 2
"""Every attempt, the first included (botocore's ``total_max_attempts``): one retry. In the
legacy ``max_attempts`` key the number counts retries only, so 2 there meant 3 attempts."""
AWS_RETRY_BACKOFF_S = 1.0
"""Upper bound of standard mode's one backoff before the retry (1 s for throttling, 50 ms for
other errors); an ``x-amz-retry-after`` header can stretch it, which the deadline still bounds."""
AWS_CALL_WORST_S = AWS_TOTAL_ATTEMPTS * (AWS_CONNECT_TIMEOUT_S + AWS_READ_TIMEOUT_S) + (
    AWS_RETRY_BACKOFF_S
)
"""The longest one API call can block when the endpoint never answers: a blocking step starts
only when this much time is left before the request's deadline."""


_client_lock = threading.Lock()


def make_client(service: str, region: str | None) -> Any:
    """A boto3 client with short timeouts so a health check answers in bounded time.

    Clients are thread-safe once built, but building two at once from boto3's default session
    is not (the health checks build theirs in parallel on a cold container): one at a time.
    """
    import boto3  # noqa: PLC0415 - cold-start cost, see module docstring
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        connect_timeout=AWS_CONNECT_TIMEOUT_S,
        read_timeout=AWS_READ_TIMEOUT_S,
        retries={"total_max_attempts": AWS_TOTAL_ATTEMPTS, "mode": "standard"},
    )
    with _client_lock:
        return boto3.client(service, region_name=region, config=config)


def aws_errors() -> tuple[type[Exception], ...]:
    """botocore's ClientError and BotoCoreError (every failure a call can raise)."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    return (ClientError, BotoCoreError)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, else the exception's class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str) and code:
            return code
    return type(exc).__name__
