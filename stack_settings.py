"""This program's stack settings: every config key read once, validated, into one frozen object.

Part of the Pulumi program (``__main__.py`` maps the settings onto each component's Args), not
of the component library: ``pip install .`` does not ship it.

What is checked here belongs to config: the keys, their types (a boolean, a whole number, a
list of addresses), the required ones, the region. The values' rules (AWS limits, ranges,
shapes) are the components': each checks its own Args before it registers a resource, naming
the component, the field and the rule. Each default lives once, in the component's Args; the
settings take it from there, and a test checks Pulumi.yaml declares the same.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pulumi
import yaml
from pulumi.runtime import config as runtime_config

from components import (
    AlertingHubArgs,
    ApiWithHandlerArgs,
    MetricAggregatorArgs,
    MonitoredDatabaseArgs,
    MonitoredVpcArgs,
)
from components.lib.args import default_of
from components.lib.naming import default_tags

NAMESPACE = "cw-analytics"
DEFAULT_PROJECT_NAME = "cw-analytics"

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
    "protectStatefulResources",
    "legacyApiGatewayAccount",
)


class ConfigError(ValueError):
    """Stack configuration that cannot be deployed; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid stack configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Settings:
    """Everything the components need from stack config, parsed; defaults are the Args'."""

    environment_suffix: str
    region: str
    project_name: str = DEFAULT_PROJECT_NAME
    vpc_cidr: str = default_of(MonitoredVpcArgs, "vpc_cidr")
    db_instance_class: str = default_of(MonitoredDatabaseArgs, "instance_class")
    db_engine_version: str = default_of(MonitoredDatabaseArgs, "engine_version")
    db_allocated_storage_gb: int = default_of(MonitoredDatabaseArgs, "allocated_storage_gb")
    db_multi_az: bool = default_of(MonitoredDatabaseArgs, "multi_az")
    db_backup_retention_days: int = default_of(MonitoredDatabaseArgs, "backup_retention_days")
    db_deletion_protection: bool = default_of(MonitoredDatabaseArgs, "deletion_protection")
    db_apply_immediately: bool = default_of(MonitoredDatabaseArgs, "apply_immediately")
    db_final_snapshot: bool = default_of(MonitoredDatabaseArgs, "final_snapshot")
    secret_recovery_window_days: int = default_of(
        MonitoredDatabaseArgs, "secret_recovery_window_days"
    )
    key_deletion_window_days: int = default_of(AlertingHubArgs, "key_deletion_window_days")
    metrics_table_deletion_protection: bool = default_of(
        MetricAggregatorArgs, "table_deletion_protection"
    )
    # Every log group of the stack keeps records as long; the components share the default.
    log_retention_days: int = default_of(MonitoredVpcArgs, "log_retention_days")
    alarm_emails: tuple[str, ...] = ()
    aggregator_schedule: str = default_of(MetricAggregatorArgs, "schedule")
    metrics_retention_days: int = default_of(MetricAggregatorArgs, "metrics_retention_days")
    api_throttle_rate_limit: float = default_of(ApiWithHandlerArgs, "throttle_rate_limit")
    api_throttle_burst_limit: int = default_of(ApiWithHandlerArgs, "throttle_burst_limit")
    api_reserved_concurrency: int = default_of(ApiWithHandlerArgs, "reserved_concurrency")
    aggregator_reserved_concurrency: int = default_of(MetricAggregatorArgs, "reserved_concurrency")
    protect_stateful_resources: bool = default_of(MonitoredDatabaseArgs, "protect_data")
    legacy_api_gateway_account: bool = False

    @property
    def name_prefix(self) -> str:
        """``{project}-{suffix}``: the start of every physical name of the stack."""
        return f"{self.project_name}-{self.environment_suffix}"

    @property
    def tags(self) -> dict[str, str]:
        """Tags every taggable resource of the stack carries (the provider's default tags)."""
        return default_tags(self.project_name, self.environment_suffix)

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
    return tuple(item.strip() for item in items)


def settings_from_config(config: Mapping[str, str], region: str | None) -> Settings:
    """Build and validate ``Settings`` from raw stack config.

    ``config`` maps keys without namespace (``environmentSuffix``) to the strings Pulumi
    delivers; ``region`` is ``aws:region``. Raises ``ConfigError`` naming every bad key.
    """
    problems: list[str] = []
    values: dict[str, object] = {}

    def read(key: str, field: str, parse: Callable[[str], T], required: bool = False) -> None:
        if key not in CONFIG_KEYS:
            raise KeyError(f"config key '{key}' is not in CONFIG_KEYS: load_settings would skip it")
        raw = config.get(key)
        if raw is None or (isinstance(raw, str) and raw.strip() == "" and required):
            if required:
                problems.append(f"{NAMESPACE}:{key} is required (pulumi config set {key} ...)")
            return
        try:
            value = parse(str(raw))
        except ValueError as error:
            problems.append(f"{NAMESPACE}:{key} '{raw}' {error}")
            return
        values[field] = value

    read("environmentSuffix", "environment_suffix", str, required=True)
    read("projectName", "project_name", str)
    read("vpcCidr", "vpc_cidr", str)
    read("dbInstanceClass", "db_instance_class", str)
    read("dbEngineVersion", "db_engine_version", str)
    read("dbAllocatedStorage", "db_allocated_storage_gb", _parse_int)
    read("dbMultiAz", "db_multi_az", _parse_bool)
    read("dbBackupRetentionDays", "db_backup_retention_days", _parse_int)
    read("dbDeletionProtection", "db_deletion_protection", _parse_bool)
    read("dbApplyImmediately", "db_apply_immediately", _parse_bool)
    read("dbFinalSnapshot", "db_final_snapshot", _parse_bool)
    read("secretRecoveryWindowDays", "secret_recovery_window_days", _parse_int)
    read("keyDeletionWindowDays", "key_deletion_window_days", _parse_int)
    read("metricsTableDeletionProtection", "metrics_table_deletion_protection", _parse_bool)
    read("logRetentionDays", "log_retention_days", _parse_int)
    read("alarmEmails", "alarm_emails", _parse_emails, required=True)
    read("aggregatorSchedule", "aggregator_schedule", str)
    read("metricsRetentionDays", "metrics_retention_days", _parse_int)
    read("apiThrottleRateLimit", "api_throttle_rate_limit", _parse_float)
    read("apiThrottleBurstLimit", "api_throttle_burst_limit", _parse_int)
    read("apiReservedConcurrency", "api_reserved_concurrency", _parse_int)
    read("aggregatorReservedConcurrency", "aggregator_reserved_concurrency", _parse_int)
    read("protectStatefulResources", "protect_stateful_resources", _parse_bool)
    read("legacyApiGatewayAccount", "legacy_api_gateway_account", _parse_bool)

    if not region:
        problems.append("aws:region is required (pulumi config set aws:region eu-west-1)")
    elif not re.match(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", region):
        problems.append(f"aws:region '{region}' is not an AWS region name such as eu-west-1")
    if problems:
        raise ConfigError(problems)
    return Settings(region=str(region), **values)  # type: ignore[arg-type]


PROJECT_FILE = Path(__file__).resolve().parent / "Pulumi.yaml"


def declared_keys(project_file: Path = PROJECT_FILE) -> frozenset[str]:
    """The ``cw-analytics`` keys ``Pulumi.yaml`` declares, without namespace."""
    document = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    keys = (str(key) for key in (document.get("config") or {}))
    prefix = f"{NAMESPACE}:"
    return frozenset(
        key.removeprefix(prefix) for key in keys if ":" not in key.removeprefix(prefix)
    )


def unknown_key_problems(given: Iterable[str], known: Iterable[str]) -> list[str]:
    """One problem per ``cw-analytics:`` key in ``given`` that ``known`` lacks, with its nearest.

    The CLI accepts a stack key the project does not declare (since 3.45) and the program reads
    only the keys it knows, so a misspelt ``dbDeletionProtecton: true`` would deploy unprotected.
    """
    known = sorted(known)
    problems = []
    for key in sorted(given):
        name = key.removeprefix(f"{NAMESPACE}:")
        if not key.startswith(f"{NAMESPACE}:") or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean {NAMESPACE}:{close[0]}?" if close else "it is not declared"
        problems.append(
            f"{key} is not a key this program reads ({hint}); Pulumi.yaml declares every key"
        )
    return problems


def _stack_config_keys() -> set[str]:
    """Every namespaced key the engine handed this program (stack file and project defaults)."""
    return set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())


def load_settings() -> Settings:
    """Read the current stack's config through Pulumi and validate it."""
    unknown = unknown_key_problems(_stack_config_keys(), declared_keys())
    if unknown:
        raise ConfigError(unknown)
    config = pulumi.Config(NAMESPACE)
    raw = {key: value for key in CONFIG_KEYS if (value := config.get(key)) is not None}
    return settings_from_config(raw, pulumi.Config("aws").get("region"))
