"""This program's stack settings: every config key read once, validated, into one frozen object.

Part of the Pulumi program (``__main__.py`` maps the settings onto each component's Args), not
of the component library: ``pip install .`` does not ship it.

Validation happens before any resource is declared. Each problem names the key, the value and
the rule it breaks; all problems are reported together so one ``pulumi up`` shows them all.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pulumi

from components.database.instance import MAX_STORAGE_GB, MIN_STORAGE_GB
from components.lib.instance_classes import InstanceClass, parse_instance_class
from components.lib.naming import default_tags
from components.lib.schedule import schedule_seconds

NAMESPACE = "cw-analytics"
DEFAULT_PROJECT_NAME = "cw-analytics"

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Lowercase (RDS identifiers and S3-style names), starts with a letter, no trailing or
# doubled hyphen (RDS rejects both). Length is bounded by the names it ends up in.
NAME_PART_PATTERN = r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$"
_EMAIL_PATTERN = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
# Three missed runs must fit in CloudWatch's one-day evaluation window (period x periods).
MAX_SCHEDULE_SECONDS = 8 * 3600
SUPPORTED_ENGINE_MAJORS = (13, 14, 15, 16, 17)
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 24
# KMS ScheduleKeyDeletion: a pending window of 7 to 30 days.
MIN_KEY_DELETION_WINDOW_DAYS, MAX_KEY_DELETION_WINDOW_DAYS = 7, 30
# Secrets Manager DeleteSecret: 0 (delete at once) or a recovery window of 7 to 30 days.
MIN_SECRET_RECOVERY_DAYS, MAX_SECRET_RECOVERY_DAYS = 7, 30

T = TypeVar("T")
# Every key ``settings_from_config`` reads; ``load_settings`` fetches exactly these, and
# ``read`` refuses a key missing here, so a new key cannot be silently never loaded.
CONFIG_KEYS = (
    "environmentSuffix",
    "projectName",
    "vpcCidr",
    "dbInstanceClass",
    "dbEngineVersion",
    "dbAllocatedStorage",
    "dbMultiAz",
    "dbBackupRetentionDays",
    "dbDeletionProtection",
    "dbApplyImmediately",
    "dbFinalSnapshot",
    "secretRecoveryWindowDays",
    "keyDeletionWindowDays",
    "metricsTableDeletionProtection",
    "logRetentionDays",
    "alarmEmails",
    "aggregatorSchedule",
    "metricsRetentionDays",
    "apiThrottleRateLimit",
    "apiThrottleBurstLimit",
    "apiReservedConcurrency",
    "aggregatorReservedConcurrency",
)


class ConfigError(ValueError):
    """Stack configuration that cannot be deployed; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid stack configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Settings:
    """Everything the components need from stack config, validated."""

    environment_suffix: str
    region: str
    project_name: str = DEFAULT_PROJECT_NAME
    vpc_cidr: str = "10.0.0.0/16"
    db_instance_class: str = "db.t3.small"
    db_engine_version: str = "16"
    db_allocated_storage_gb: int = 20
    db_multi_az: bool = False
    db_backup_retention_days: int = 1
    db_deletion_protection: bool = False
    db_apply_immediately: bool = True
    db_final_snapshot: bool = False
    secret_recovery_window_days: int = 0
    key_deletion_window_days: int = MIN_KEY_DELETION_WINDOW_DAYS
    metrics_table_deletion_protection: bool = False
    log_retention_days: int = 14
    alarm_emails: tuple[str, ...] = ()
    aggregator_schedule: str = "rate(5 minutes)"
    metrics_retention_days: int = 30
    api_throttle_rate_limit: float = 50.0
    api_throttle_burst_limit: int = 100
    api_reserved_concurrency: int = -1
    aggregator_reserved_concurrency: int = -1

    @property
    def name_prefix(self) -> str:
        """``{project}-{suffix}``: the start of every physical name of the stack."""
        return f"{self.project_name}-{self.environment_suffix}"

    @property
    def tags(self) -> dict[str, str]:
        """Tags every taggable resource of the stack carries (the provider's default tags)."""
        return default_tags(self.project_name, self.environment_suffix)

    @property
    def instance_class(self) -> InstanceClass:
        """The parsed RDS instance class (memory, Performance Insights support)."""
        return parse_instance_class(self.db_instance_class)

    @property
    def engine_major(self) -> int:
        """The PostgreSQL major version (``16`` for ``16`` or ``16.4``)."""
        return int(self.db_engine_version.split(".", maxsplit=1)[0])

    @property
    def key_outlives_stack(self) -> bool:
        """Whether destroy must leave the stack's key behind: data encrypted with it does.

        A final snapshot and a secret in its recovery window both outlive the stack; deleting
        their key would make them unreadable once its deletion window ends.
        """
        return self.db_final_snapshot or self.secret_recovery_window_days > 0


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise ValueError("must be true or false")


def _parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("must be a whole number") from None


def _parse_float(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("must be a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _parse_emails(text: str) -> tuple[str, ...]:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise ValueError(f"is not a valid JSON list ({error.msg})") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError("must be a list of e-mail addresses")
    else:
        items = [part for part in stripped.split(",") if part.strip()]
    emails = tuple(item.strip() for item in items)
    for email in emails:
        if not _EMAIL_PATTERN.match(email):
            raise ValueError(f"contains '{email}', which is not an e-mail address")
    if not emails:
        raise ValueError("must name at least one address: an alarm that reaches nobody is noise")
    if len(set(emails)) != len(emails):
        raise ValueError("lists an address twice")
    return emails


def _in_range(low: float, high: float) -> Callable[[float], None]:
    def check(value: float) -> None:
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")

    return check


def _check_name_part(value: str) -> None:
    if not re.match(NAME_PART_PATTERN, value):
        raise ValueError(
            f"must match {NAME_PART_PATTERN} (lowercase letters, digits and single hyphens, "
            "starting with a letter: it is part of RDS identifiers and other physical names)"
        )


def _check_cidr(value: str) -> None:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"is not a valid IPv4 network in CIDR notation ({error})") from None
    if not MIN_VPC_PREFIX <= network.prefixlen <= MAX_VPC_PREFIX:
        raise ValueError(
            f"must have a prefix between /{MIN_VPC_PREFIX} and /{MAX_VPC_PREFIX} "
            "(AWS allows /16 to /28; four subnets are carved from it)"
        )
    if not network.is_private:
        raise ValueError("must be a private (RFC 1918) range")


def _check_retention(value: int) -> None:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            "is not a retention CloudWatch Logs accepts "
            f"({', '.join(str(d) for d in LOG_RETENTION_DAYS)})"
        )


def _check_engine_version(value: str) -> None:
    if not re.match(r"^\d+(\.\d+)?$", value):
        raise ValueError("must be a PostgreSQL version such as '16' or '16.4'")
    if int(value.split(".", maxsplit=1)[0]) not in SUPPORTED_ENGINE_MAJORS:
        majors = ", ".join(map(str, SUPPORTED_ENGINE_MAJORS))
        raise ValueError(f"must be a PostgreSQL major RDS supports ({majors})")


def _check_instance_class(value: str) -> None:
    parse_instance_class(value)


def _check_concurrency(value: int) -> None:
    if value != -1 and not 1 <= value <= 1000:
        raise ValueError("must be -1 (no reservation) or between 1 and 1000")


def _check_aggregator_concurrency(value: int) -> None:
    if value not in (-1, 1):
        raise ValueError(
            "must be -1 (no reservation) or 1 (one run at a time; more would let runs that "
            "rewrite the same window overlap, 0 would stop every run)"
        )


def _check_secret_recovery_window(value: int) -> None:
    if value != 0 and not MIN_SECRET_RECOVERY_DAYS <= value <= MAX_SECRET_RECOVERY_DAYS:
        raise ValueError(
            f"must be 0 (delete at once) or between {MIN_SECRET_RECOVERY_DAYS} and "
            f"{MAX_SECRET_RECOVERY_DAYS} (the recovery windows Secrets Manager accepts)"
        )


def _check_key_deletion_window(value: int) -> None:
    if not MIN_KEY_DELETION_WINDOW_DAYS <= value <= MAX_KEY_DELETION_WINDOW_DAYS:
        raise ValueError(
            f"must be between {MIN_KEY_DELETION_WINDOW_DAYS} and "
            f"{MAX_KEY_DELETION_WINDOW_DAYS} days (the waiting periods KMS accepts)"
        )


def _check_schedule(value: str) -> None:
    seconds = schedule_seconds(value)
    if seconds > MAX_SCHEDULE_SECONDS:
        raise ValueError(
            "must run at least every 8 hours: the heartbeat alarm watches three periods "
            "and CloudWatch evaluates at most one day"
        )


def settings_from_config(config: Mapping[str, str], region: str | None) -> Settings:
    """Build and validate ``Settings`` from raw stack config.

    ``config`` maps keys without namespace (``environmentSuffix``) to the strings Pulumi
    delivers; ``region`` is ``aws:region``. Raises ``ConfigError`` naming every bad key.
    """
    problems: list[str] = []
    values: dict[str, object] = {}

    def read(
        key: str,
        field: str,
        parse: Callable[[str], T],
        check: Callable[[T], None] | None = None,
        required: bool = False,
    ) -> None:
        if key not in CONFIG_KEYS:
            raise KeyError(f"config key '{key}' is not in CONFIG_KEYS: load_settings would skip it")
        raw = config.get(key)
        if raw is None or (isinstance(raw, str) and raw.strip() == "" and required):
            if required:
                problems.append(f"{NAMESPACE}:{key} is required (pulumi config set {key} ...)")
            return
        try:
            value = parse(str(raw))
            if check is not None:
                check(value)
        except ValueError as error:
            problems.append(f"{NAMESPACE}:{key} '{raw}' {error}")
            return
        values[field] = value

    read("environmentSuffix", "environment_suffix", str, _check_name_part, required=True)
    read("projectName", "project_name", str, _check_name_part)
    read("vpcCidr", "vpc_cidr", str, _check_cidr)
    read("dbInstanceClass", "db_instance_class", str, _check_instance_class)
    read("dbEngineVersion", "db_engine_version", str, _check_engine_version)
    read(
        "dbAllocatedStorage",
        "db_allocated_storage_gb",
        _parse_int,
        _in_range(MIN_STORAGE_GB, MAX_STORAGE_GB),
    )
    read("dbMultiAz", "db_multi_az", _parse_bool)
    read("dbBackupRetentionDays", "db_backup_retention_days", _parse_int, _in_range(0, 35))
    read("dbDeletionProtection", "db_deletion_protection", _parse_bool)
    read("dbApplyImmediately", "db_apply_immediately", _parse_bool)
    read("dbFinalSnapshot", "db_final_snapshot", _parse_bool)
    read(
        "secretRecoveryWindowDays",
        "secret_recovery_window_days",
        _parse_int,
        _check_secret_recovery_window,
    )
    read(
        "keyDeletionWindowDays", "key_deletion_window_days", _parse_int, _check_key_deletion_window
    )
    read("metricsTableDeletionProtection", "metrics_table_deletion_protection", _parse_bool)
    read("logRetentionDays", "log_retention_days", _parse_int, _check_retention)
    read("alarmEmails", "alarm_emails", _parse_emails, required=True)
    read("aggregatorSchedule", "aggregator_schedule", str, _check_schedule)
    read("metricsRetentionDays", "metrics_retention_days", _parse_int, _in_range(1, 3650))
    read("apiThrottleRateLimit", "api_throttle_rate_limit", _parse_float, _in_range(1, 10000))
    read("apiThrottleBurstLimit", "api_throttle_burst_limit", _parse_int, _in_range(1, 5000))
    read("apiReservedConcurrency", "api_reserved_concurrency", _parse_int, _check_concurrency)
    read(
        "aggregatorReservedConcurrency",
        "aggregator_reserved_concurrency",
        _parse_int,
        _check_aggregator_concurrency,
    )

    if not region:
        problems.append("aws:region is required (pulumi config set aws:region eu-west-1)")
    elif not re.match(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", region):
        problems.append(f"aws:region '{region}' is not an AWS region name such as eu-west-1")
    _check_combinations(values, problems)
    if problems:
        raise ConfigError(problems)
    return Settings(region=str(region), **values)  # type: ignore[arg-type]


def _check_combinations(values: dict[str, object], problems: list[str]) -> None:
    """Rules that involve more than one key, checked once each key parsed on its own."""
    if values.get("db_deletion_protection") and values.get("db_backup_retention_days") == 0:
        problems.append(
            f"{NAMESPACE}:dbBackupRetentionDays '0' must be at least 1 when "
            "dbDeletionProtection is true (a protected database keeps backups)"
        )


def load_settings() -> Settings:
    """Read the current stack's config through Pulumi and validate it."""
    config = pulumi.Config(NAMESPACE)
    raw = {key: value for key in CONFIG_KEYS if (value := config.get(key)) is not None}
    return settings_from_config(raw, pulumi.Config("aws").get("region"))
