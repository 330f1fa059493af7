"""Settings read once per container from the function's environment."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from api.errors import ConfigurationError

DEFAULT_CONNECT_TIMEOUT_S = 3.0
DEFAULT_STATEMENT_TIMEOUT_MS = 5000
MAX_CONNECT_TIMEOUT_S = 10.0
"""A connect or a statement that may outlast this cannot fit in the function's 15 s timeout."""
MAX_STATEMENT_TIMEOUT_MS = 10_000
# Plain ASCII digits only: int() and float() also take "nan", "inf", "1e3", " 5 ", "5_000" and
# other scripts' digits, none of which anyone means as a timeout.
_INTEGER_RE = re.compile(r"\d{1,9}", re.ASCII)
_DECIMAL_RE = re.compile(r"\d{1,9}(?:\.\d{1,6})?", re.ASCII)


def _integer(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = env.get(key) or str(default)
    if not _INTEGER_RE.fullmatch(raw) or not low <= int(raw) <= high:
        raise ConfigurationError(f"{key}={raw[:40]!r} must be an integer from {low} to {high}")
    return int(raw)


def _seconds(env: Mapping[str, str], key: str, default: float, high: float) -> float:
    raw = env.get(key) or str(default)
    value = float(raw) if _DECIMAL_RE.fullmatch(raw) else math.nan
    if not (math.isfinite(value) and 0 < value <= high):
        raise ConfigurationError(
            f"{key}={raw[:40]!r} must be a number of seconds above 0 and at most {high:g}"
        )
    return value


@dataclass(frozen=True)
class Settings:
    """Where the database, its secret and the metrics table are, and how long to wait."""

    db_host: str
    """PostgreSQL host name (the RDS endpoint address)."""
    db_port: int
    """PostgreSQL port."""
    db_name: str
    """Database name."""
    db_secret_arn: str
    """Secrets Manager secret holding JSON ``{"username", "password"}``."""
    metrics_table: str
    """DynamoDB table the metric aggregator writes."""
    region: str | None
    """AWS region (from the runtime's ``AWS_REGION``)."""
    db_ca_bundle: str | None
    """PEM bundle to verify the server with; None: TLS is still required, but unverified."""
    connect_timeout_s: float
    """Bound on TCP connect, TLS and authentication with PostgreSQL."""
    statement_timeout_ms: int
    """Server-side statement timeout; the socket read timeout is derived from it."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the settings; a missing or bad value raises ``ConfigurationError``
        naming the variable and the rule (for the log: the client is told only that the
        configuration is wrong)."""
        env = os.environ if env is None else env
        missing = [
            key
            for key in ("DB_HOST", "DB_NAME", "DB_SECRET_ARN", "METRICS_TABLE")
            if not env.get(key)
        ]
        if missing:
            raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
        port = _integer(env, "DB_PORT", 5432, 1, 65535)
        connect_timeout = _seconds(
            env, "DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_S, MAX_CONNECT_TIMEOUT_S
        )
        statement_timeout = _integer(
            env,
            "DB_STATEMENT_TIMEOUT_MS",
            DEFAULT_STATEMENT_TIMEOUT_MS,
            1,
            MAX_STATEMENT_TIMEOUT_MS,
        )
        return cls(
            db_host=env["DB_HOST"],
            db_port=port,
            db_name=env["DB_NAME"],
            db_secret_arn=env["DB_SECRET_ARN"],
            metrics_table=env["METRICS_TABLE"],
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            db_ca_bundle=env.get("DB_CA_BUNDLE") or None,
            connect_timeout_s=connect_timeout,
            statement_timeout_ms=statement_timeout,
        )
