"""boto3 on demand: clients with bounded timeouts, and the exception types to catch.

Imported lazily (``# noqa: PLC0415``) on purpose: ``import boto3`` costs ~160 ms and each client
about 58 ms (measured on a warm disk), and not every code path needs them.
"""

from __future__ import annotations

from typing import Any

AWS_CONNECT_TIMEOUT_S = 2.0
AWS_READ_TIMEOUT_S = 3.0
AWS_MAX_ATTEMPTS = 2


def make_client(service: str, region: str | None) -> Any:
    """A boto3 client with short timeouts so a health check answers in bounded time."""
    import boto3  # noqa: PLC0415 - cold-start cost, see module docstring
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        connect_timeout=AWS_CONNECT_TIMEOUT_S,
        read_timeout=AWS_READ_TIMEOUT_S,
        retries={"max_attempts": AWS_MAX_ATTEMPTS, "mode": "standard"},
    )
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
