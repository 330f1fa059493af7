"""Domain errors. Each carries its HTTP status and error code; ``api.app`` maps them to JSON."""

from __future__ import annotations


class ApiError(Exception):
    """Base class: an error the API answers with a JSON ``{"error": {code, message}}`` body."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self, message: str, *, headers: dict[str, str] | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        """What the client reads."""
        self.headers = headers or {}
        self.reason = reason or message
        """What the log reads: may name internals (an SQLSTATE, an AWS error code)."""


class BadRequest(ApiError):
    """Malformed input: bad JSON, bad query parameter, bad token, bad header."""

    status = 400
    code = "bad_request"


class NotFound(ApiError):
    """No such route or resource."""

    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    """The path exists but not for this method; ``Allow`` lists the methods it has."""

    status = 405
    code = "method_not_allowed"

    def __init__(self, method: str, allowed: list[str]) -> None:
        super().__init__(
            f"method {method} not allowed here; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )


class PayloadTooLarge(ApiError):
    """The request body exceeds the limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ApiError):
    """The request body is not declared as JSON."""

    status = 415
    code = "unsupported_media_type"


class ValidationFailed(ApiError):
    """Well-formed JSON that breaks the schema; the message names the field."""

    status = 422
    code = "validation_failed"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class IdempotencyKeyReused(ApiError):
    """An Idempotency-Key already used for a different request body (IETF draft: 422)."""

    status = 422
    code = "idempotency_key_reused"


class DependencyUnavailable(ApiError):
    """PostgreSQL, the metrics table or Secrets Manager did not answer (in time).

    The client reads only which dependency is unavailable; why (an AWS error code, a botocore
    exception name, TLS or authentication trouble) is for the log, not for callers to probe.
    """

    status = 503
    code = "dependency_unavailable"

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency} unavailable", reason=f"{dependency}: {reason}")
        self.dependency = dependency


class ConfigurationError(ApiError):
    """The function's environment is missing or has an invalid setting.

    The client reads only that the configuration is wrong; which variable and why (names of the
    function's settings) is for the log.
    """

    status = 500
    code = "configuration_error"

    def __init__(self, reason: str) -> None:
        super().__init__("the API is misconfigured", reason=reason)


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The JSON shape of every error response."""
    return {"error": {"code": code, "message": message}}
