"""The function's settings: every number finite, positive and bounded; errors name the variable
in the log and nothing of it to the client."""

from __future__ import annotations

import pytest
from api.config import MAX_CONNECT_TIMEOUT_S, MAX_STATEMENT_TIMEOUT_MS, Settings
from api.errors import ConfigurationError

from tests.functions.api_handler.conftest import ApiEnv, LogReader

BASE = {
    "DB_HOST": "db.internal",
    "DB_NAME": "analytics",
    "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
    "METRICS_TABLE": "metrics",
}


def test_settings_defaults_apply_when_numbers_are_unset() -> None:
    """Only the required names set: port 5432, 3 s connect, 5 s statement timeouts."""
    settings = Settings.from_env(BASE)
    assert (settings.db_port, settings.connect_timeout_s, settings.statement_timeout_ms) == (
        5432,
        3.0,
        5000,
    )


@pytest.mark.parametrize(
    "value", ["nan", "NaN", "inf", "-inf", "Infinity", "0", "0.0", "-1", "1e3", " 2", "2_0", "١"]
)
def test_settings_connect_timeout_must_be_finite_positive_decimal(value: str) -> None:
    """DB_CONNECT_TIMEOUT: nan, inf, zero, negatives, exponents, padding and non-ASCII digits
    are refused, naming the variable."""
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({**BASE, "DB_CONNECT_TIMEOUT": value})
    assert "DB_CONNECT_TIMEOUT" in caught.value.reason


def test_settings_connect_timeout_is_bounded() -> None:
    """A connect timeout the function's timeout cannot hold is refused; the bound itself is
    accepted."""
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({**BASE, "DB_CONNECT_TIMEOUT": str(MAX_CONNECT_TIMEOUT_S + 0.5)})
    assert "DB_CONNECT_TIMEOUT" in caught.value.reason
    ok = Settings.from_env({**BASE, "DB_CONNECT_TIMEOUT": f"{MAX_CONNECT_TIMEOUT_S:g}"})
    assert ok.connect_timeout_s == MAX_CONNECT_TIMEOUT_S


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DB_STATEMENT_TIMEOUT_MS", "0"),
        ("DB_STATEMENT_TIMEOUT_MS", "nan"),
        ("DB_STATEMENT_TIMEOUT_MS", "2.5"),
        ("DB_STATEMENT_TIMEOUT_MS", str(MAX_STATEMENT_TIMEOUT_MS + 1)),
        ("DB_PORT", "0"),
        ("DB_PORT", "65536"),
        ("DB_PORT", "-5432"),
        ("DB_PORT", "inf"),
        ("DB_PORT", "٥٤٣٢"),
    ],
)
def test_settings_integer_settings_are_bounded(key: str, value: str) -> None:
    """DB_PORT (1-65535) and DB_STATEMENT_TIMEOUT_MS (1 to the bound): anything else names
    the variable."""
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({**BASE, key: value})
    assert key in caught.value.reason


def test_configuration_error_tells_the_client_nothing_of_the_variables() -> None:
    """The client message is the same for every configuration fault."""
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({k: v for k, v in BASE.items() if k != "DB_SECRET_ARN"})
    assert "DB_SECRET_ARN" in caught.value.reason
    assert "DB_" not in caught.value.message


@pytest.mark.postgres
def test_handler_missing_setting_is_500_generic_with_detail_in_log(
    api_env: ApiEnv, api_logs: LogReader
) -> None:
    """DB_SECRET_ARN unset: 500 configuration_error without the variable's name; the log has
    it."""
    from api import deps

    api_env.monkeypatch.delenv("DB_SECRET_ARN")
    deps.reset()
    answer = api_env.call("GET", "/metrics")
    assert answer.status == 500
    assert answer.body["error"]["code"] == "configuration_error"
    assert "DB_SECRET_ARN" not in answer.raw["body"], answer.raw["body"]
    reasons = " ".join(str(line.get("reason", "")) for line in api_logs())
    assert "DB_SECRET_ARN" in reasons, reasons
