"""Settings read once per container from the function's environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from api.errors import ConfigurationError

DEFAULT_CONNECT_TIMEOUT_S = 3.0
DEFAULT_STATEMENT_TIMEOUT_MS = 5000


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
        """Read and validate the settings; a bad value raises ``ConfigurationError``."""
        env = os.environ if env is None else env
        missing = [
            key
            for key in ("DB_HOST", "DB_NAME", "DB_SECRET_ARN", "METRICS_TABLE")
            if not env.get(key)
        ]
        if missing:
            raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
        try:
            port = int(env.get("DB_PORT") or "5432")
            connect_timeout = float(env.get("DB_CONNECT_TIMEOUT") or DEFAULT_CONNECT_TIMEOUT_S)
            statement_timeout = int(
                env.get("DB_STATEMENT_TIMEOUT_MS") or DEFAULT_STATEMENT_TIMEOUT_MS
            )
        except ValueError as exc:
            raise ConfigurationError(f"invalid numeric setting: {exc}") from exc
        if not 0 < port < 65536 or connect_timeout <= 0 or statement_timeout <= 0:
            raise ConfigurationError(
                "DB_PORT must be 1-65535, DB_CONNECT_TIMEOUT and DB_STATEMENT_TIMEOUT_MS > 0"
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
