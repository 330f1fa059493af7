"""Stack config reading, without Pulumi: keys, types and required values, each problem naming
the key and the value; the values' rules are the components' (tests/components)."""

from __future__ import annotations

import pytest

from components import MetricAggregatorArgs, MonitoredDatabaseArgs
from stack_settings import ConfigError, Settings, settings_from_config
from tests.harness import REGION, base_config


def settings_with(region: str | None = REGION, **overrides: str) -> Settings:
    return settings_from_config(base_config(**overrides), region)


def test_settings_defaults() -> None:
    """The documented defaults, projectName 'cw-analytics' first."""
    settings = settings_with()
    assert settings.project_name == "cw-analytics"
    assert settings.name_prefix == "cw-analytics-test"
    assert settings.vpc_cidr == "10.0.0.0/16"
    assert settings.db_instance_class == "db.t3.small"
    assert settings.db_engine_version == "16"
    assert settings.db_deletion_protection is False
    assert settings.db_apply_immediately is True
    assert settings.key_outlives_stack is False
    assert settings.db_multi_az is False
    assert settings.db_allocated_storage_gb == 20
    assert settings.log_retention_days == 14
    assert settings.aggregator_schedule == "rate(5 minutes)"
    assert settings.alarm_emails == ("oncall@example.com",)
    assert settings.region == REGION


def test_settings_reads_every_override() -> None:
    settings = settings_with(
        projectName="shop",
        vpcCidr="172.16.0.0/20",
        dbInstanceClass="db.m6g.large",
        dbEngineVersion="15.4",
        dbAllocatedStorage="100",
        dbMultiAz="true",
        dbBackupRetentionDays="14",
        dbDeletionProtection="yes",
        logRetentionDays="90",
        alarmEmails='["a@example.com", "b@example.com"]',
        aggregatorSchedule="rate(1 hour)",
    )
    assert (settings.project_name, settings.vpc_cidr) == ("shop", "172.16.0.0/20")
    assert (settings.db_instance_class, settings.db_engine_version) == ("db.m6g.large", "15.4")
    assert (settings.db_allocated_storage_gb, settings.db_multi_az) == (100, True)
    assert (settings.db_backup_retention_days, settings.db_deletion_protection) == (14, True)
    assert settings.log_retention_days == 90
    assert settings.alarm_emails == ("a@example.com", "b@example.com")
    assert settings.aggregator_schedule == "rate(1 hour)"


def test_settings_is_frozen() -> None:
    settings = settings_with()
    with pytest.raises(AttributeError):
        settings.environment_suffix = "other"  # type: ignore[misc]


def test_settings_rejects_missing_suffix() -> None:
    """No suffix, no deployment (names would collide)."""
    config = base_config()
    del config["environmentSuffix"]
    with pytest.raises(ValueError, match=r"cw-analytics:environmentSuffix is required"):
        settings_from_config(config, REGION)


def test_settings_rejects_missing_email() -> None:
    config = base_config()
    del config["alarmEmails"]
    with pytest.raises(ValueError, match=r"cw-analytics:alarmEmails is required"):
        settings_from_config(config, REGION)


def test_settings_rejects_missing_region() -> None:
    with pytest.raises(ValueError, match=r"aws:region is required"):
        settings_with(region=None)


def test_settings_rejects_malformed_region() -> None:
    with pytest.raises(ValueError, match=r"aws:region 'Ireland' is not an AWS region name"):
        settings_with(region="Ireland")


@pytest.mark.parametrize(
    "key",
    [
        "dbMultiAz",
        "dbDeletionProtection",
        "dbApplyImmediately",
        "dbFinalSnapshot",
        "metricsTableDeletionProtection",
    ],
)
def test_settings_rejects_bad_boolean(key: str) -> None:
    with pytest.raises(ValueError, match=rf"{key} 'maybe' must be true or false"):
        settings_with(**{key: "maybe"})


@pytest.mark.parametrize(
    "key",
    [
        "dbAllocatedStorage",
        "dbBackupRetentionDays",
        "logRetentionDays",
        "secretRecoveryWindowDays",
        "keyDeletionWindowDays",
        "aggregatorReservedConcurrency",
    ],
)
def test_settings_rejects_bad_integer(key: str) -> None:
    with pytest.raises(ValueError, match=rf"{key} 'ten' must be a whole number"):
        settings_with(**{key: "ten"})


@pytest.mark.parametrize(("raw", "expected"), [("false", False), ("true", True)])
def test_settings_reads_apply_immediately(raw: str, expected: bool) -> None:
    assert settings_with(dbApplyImmediately=raw).db_apply_immediately is expected


def test_settings_apply_immediately_independent_of_deletion_protection() -> None:
    """One key per decision: protecting the database does not defer its changes."""
    settings = settings_with(dbDeletionProtection="true", dbBackupRetentionDays="7")
    assert settings.db_apply_immediately is True
    assert settings_with(dbApplyImmediately="false").db_deletion_protection is False


# --- one setting per decision ------------------------------------------------------------


def test_settings_lifecycle_decisions_default_to_nothing_outliving_destroy() -> None:
    settings = settings_with()
    assert settings.db_final_snapshot is False
    assert settings.secret_recovery_window_days == 0
    assert settings.key_deletion_window_days == 7
    assert settings.metrics_table_deletion_protection is False


def test_settings_deletion_protection_changes_no_other_decision() -> None:
    """Turning database protection on or off (say, to tear a database down) leaves the final
    snapshot, the secret's and the key's windows and the table's protection as configured."""
    decided = {
        "dbFinalSnapshot": "true",
        "secretRecoveryWindowDays": "14",
        "keyDeletionWindowDays": "21",
        "metricsTableDeletionProtection": "true",
        "dbBackupRetentionDays": "7",
    }
    on = settings_with(dbDeletionProtection="true", **decided)
    off = settings_with(dbDeletionProtection="false", **decided)
    for settings in (on, off):
        assert settings.db_final_snapshot is True
        assert settings.secret_recovery_window_days == 14
        assert settings.key_deletion_window_days == 21
        assert settings.metrics_table_deletion_protection is True


@pytest.mark.parametrize(
    ("overrides", "outlives"),
    [
        ({}, False),
        ({"dbDeletionProtection": "true"}, False),
        ({"dbFinalSnapshot": "true"}, True),
        ({"secretRecoveryWindowDays": "7"}, True),
    ],
)
def test_settings_key_outlives_stack_when_data_encrypted_with_it_does(
    overrides: dict[str, str], outlives: bool
) -> None:
    assert settings_with(**overrides).key_outlives_stack is outlives


@pytest.mark.parametrize("days", ["7", "30"])
def test_settings_accepts_key_deletion_window_bounds(days: str) -> None:
    assert settings_with(keyDeletionWindowDays=days).key_deletion_window_days == int(days)


@pytest.mark.parametrize("days", ["0", "7", "30"])
def test_settings_accepts_secret_recovery_windows_secrets_manager_takes(days: str) -> None:
    assert settings_with(secretRecoveryWindowDays=days).secret_recovery_window_days == int(days)


# --- reserved concurrency ------------------------------------------------------------------


def test_settings_reserve_no_concurrency_by_default() -> None:
    """A new account's concurrency quota is often 10, and Lambda keeps the unreserved pool at
    its minimum: any reservation there fails the first `pulumi up`."""
    settings = settings_with()
    assert (settings.api_reserved_concurrency, settings.aggregator_reserved_concurrency) == (
        -1,
        -1,
    )


def test_settings_lists_every_config_problem_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        settings_with(region=None, dbMultiAz="maybe", dbAllocatedStorage="lots")
    problems = raised.value.problems
    assert len(problems) == 3, problems
    assert any("dbMultiAz" in p for p in problems)
    assert any("dbAllocatedStorage" in p for p in problems)
    assert any("aws:region" in p for p in problems)


def test_settings_leave_value_rules_to_the_components() -> None:
    """A value of the right type passes the settings; the component that takes it refuses it
    (tests/components/test_args_validation.py), so the rule is written once."""
    settings = settings_with(vpcCidr="8.8.0.0/16", dbAllocatedStorage="10")
    assert (settings.vpc_cidr, settings.db_allocated_storage_gb) == ("8.8.0.0/16", 10)


def test_settings_defaults_are_the_component_args_defaults() -> None:
    settings = settings_with()
    assert settings.db_instance_class == MonitoredDatabaseArgs.instance_class
    assert settings.aggregator_schedule == MetricAggregatorArgs.schedule


def test_settings_protect_stateful_resources_defaults_off_and_reads_true() -> None:
    assert settings_from_config(base_config(), REGION).protect_stateful_resources is False
    config = {**base_config(), "protectStatefulResources": "true"}
    assert settings_from_config(config, REGION).protect_stateful_resources is True
