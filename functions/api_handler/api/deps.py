"""Per-container dependencies: settings, boto3 clients and the database, each built once, lazily."""

from __future__ import annotations

import threading
from typing import Any

from api.aws import error_code, make_client
from api.config import Settings
from api.db import ConnectParams, Credentials, Database
from api.errors import DependencyUnavailable

SECRET_MAX_AGE_S = 300
"""How long a fetched secret is trusted; an authentication failure re-fetches it at once."""


class SecretCredentials:
    """Database credentials from a Secrets Manager JSON secret, through Powertools' Parameters.

    The provider caches the value for ``max_age``; ``refresh=True`` (after PostgreSQL rejected
    the password, e.g. after a rotation) bypasses the cache with ``force_fetch``.
    """

    def __init__(self, client_factory: Any, secret_id: str) -> None:
        self._client_factory = client_factory
        self._secret_id = secret_id
        self._provider: Any = None

    def __call__(self, refresh: bool = False) -> Credentials:
        """The credentials; ``refresh`` re-reads the secret (after an authentication failure)."""
        from aws_lambda_powertools.utilities.parameters import (  # noqa: PLC0415 - cold start
            SecretsProvider,
        )
        from aws_lambda_powertools.utilities.parameters.exceptions import (  # noqa: PLC0415
            GetParameterError,
            TransformParameterError,
        )

        if self._provider is None:
            self._provider = SecretsProvider(boto3_client=self._client_factory())
        try:
            doc = self._provider.get(
                self._secret_id,
                transform="json",
                max_age=SECRET_MAX_AGE_S,
                force_fetch=refresh,
            )
        except GetParameterError as exc:
            cause = exc.__context__ if exc.__context__ is not None else exc
            raise DependencyUnavailable("secret", error_code(cause)) from exc
        except TransformParameterError as exc:
            raise DependencyUnavailable("secret", "secret is not JSON") from exc
        try:
            return Credentials(username=str(doc["username"]), password=str(doc["password"]))
        except (KeyError, TypeError) as exc:
            raise DependencyUnavailable(
                "secret", "secret is not JSON with username and password"
            ) from exc


class Container:
    """What one Lambda container keeps between invocations."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._dynamodb: Any = None
        self._secrets: Any = None
        self.credentials = SecretCredentials(self._secrets_client, settings.db_secret_arn)
        self.database = Database(
            ConnectParams(
                host=settings.db_host,
                port=settings.db_port,
                database=settings.db_name,
                connect_timeout_s=settings.connect_timeout_s,
                statement_timeout_ms=settings.statement_timeout_ms,
                ca_bundle=settings.db_ca_bundle,
            ),
            self.credentials,
        )

    def _secrets_client(self) -> Any:
        if self._secrets is None:
            self._secrets = make_client("secretsmanager", self.settings.region)
        return self._secrets

    @property
    def secrets(self) -> Any:
        """The Secrets Manager client the credentials are read with, built on first use."""
        return self._secrets_client()

    @property
    def dynamodb(self) -> Any:
        """The low-level DynamoDB client, built on first use."""
        if self._dynamodb is None:
            self._dynamodb = make_client("dynamodb", self.settings.region)
        return self._dynamodb

    def close(self) -> None:
        """Release the database connection."""
        self.database.close()


_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    """The container's dependencies, built from the environment on first use."""
    global _container  # noqa: PLW0603 - one per Lambda container, by design
    with _lock:
        if _container is None:
            _container = Container(Settings.from_env())
        return _container


def reset() -> None:
    """Forget the dependencies (tests: simulate a fresh container after changing the env)."""
    global _container  # noqa: PLW0603
    with _lock:
        if _container is not None:
            _container.close()
        _container = None
