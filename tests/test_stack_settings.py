"""Stack config validation, without Pulumi: each rule's message names the key, value and rule."""

from __future__ import annotations

import pytest

from stack_settings import ConfigError, Settings, settings_from_config
from tests.harness import REGION, base_config


def settings_with(region: str | None = REGION, **overrides: str) -> Settings:
    return settings_from_config(base_config(**overrides), region)


def test_settings_defaults() -> None:
    """The documented defaults, projectName 'cw-analytics' first."""
    settings = settings_with()
    assert settings.project_name == "cw-analytics"
    assert settings.naming.name("db") == "cw-analytics-test-db"
    assert settings.vpc_cidr == "10.0.0.0/16"
    assert settings.db_instance_class == "db.t3.small"
    assert settings.db_engine_version == "16"
    assert settings.engine_major == 16
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
    assert (settings.db_instance_class, settings.engine_major) == ("db.m6g.large", 15)
    assert (settings.db_allocated_storage_gb, settings.db_multi_az) == (100, True)
    assert (settings.db_backup_retention_days, settings.db_deletion_protection) == (14, True)
    assert settings.log_retention_days == 90
    assert settings.alarm_emails == ("a@example.com", "b@example.com")
    assert settings.aggregator_schedule == "rate(1 hour)"


def test_settings_is_frozen() -> None:
    settings = settings_with()
    with pytest.raises(AttributeError):
        settings.environment_suffix = "other"  # type: ignore[misc]


@pytest.mark.parametrize("suffix", ["Dev", "dev_1", "1dev", "dev-", "de--v"])
def test_settings_rejects_suffix_pattern(suffix: str) -> None:
    """The suffix goes into RDS identifiers, so lowercase only."""
    with pytest.raises(ValueError, match=rf"environmentSuffix '{suffix}' must match .*lowercase"):
        settings_with(environmentSuffix=suffix)


def test_settings_rejects_missing_suffix() -> None:
    """No suffix, no deployment (names would collide)."""
    config = base_config()
    del config["environmentSuffix"]
    with pytest.raises(ValueError, match=r"cw-analytics:environmentSuffix is required"):
        settings_from_config(config, REGION)


def test_settings_rejects_suffix_too_long_for_rds_identifier() -> None:
    """The RDS identifier limit (63) is named in the message."""
    suffix = "a" * 48  # cw-analytics-<48>-db = 64 characters
    with pytest.raises(
        ValueError,
        match=r"RDS instance identifier name 'cw-analytics-a+-db' would be 64 "
        r"characters \(limit 63\)",
    ):
        settings_with(environmentSuffix=suffix)


def test_settings_rejects_suffix_too_long_for_iam_role() -> None:
    """The IAM role limit (64) is named in the message."""
    suffix = "a" * 35  # cw-analytics-<35>-api-handler-role = 65 characters
    with pytest.raises(ValueError, match=r"too long: IAM role name '.*' would be 65 .*limit 64"):
        settings_with(environmentSuffix=suffix)


def test_settings_rejects_suffix_too_long_for_lambda() -> None:
    """The Lambda function name limit (64) is named in the message."""
    suffix = "a" * 40  # cw-analytics-<40>-api-handler = 65 characters
    with pytest.raises(
        ValueError, match=r"Lambda function name 'cw-analytics-a+-api-handler' would be 65"
    ):
        settings_with(environmentSuffix=suffix)


def test_settings_accepts_longest_suffix_that_fits() -> None:
    suffix = "a" * 29
    assert settings_with(environmentSuffix=suffix).naming.too_long() == []


@pytest.mark.parametrize("cidr", ["10.0.0.0/33", "not-a-cidr", "10.0.0.1/16"])
def test_settings_rejects_invalid_cidr(cidr: str) -> None:
    with pytest.raises(ValueError, match=rf"vpcCidr '{cidr}' is not a valid IPv4 network"):
        settings_with(vpcCidr=cidr)


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/25"])
def test_settings_rejects_wrong_prefix(cidr: str) -> None:
    with pytest.raises(ValueError, match=r"vpcCidr .* must have a prefix between /16 and /24"):
        settings_with(vpcCidr=cidr)


def test_settings_rejects_public_cidr() -> None:
    with pytest.raises(ValueError, match=r"vpcCidr '8\.8\.0\.0/16' must be a private"):
        settings_with(vpcCidr="8.8.0.0/16")


@pytest.mark.parametrize("days", ["10", "0", "4000"])
def test_settings_rejects_retention_logs_does_not_accept(days: str) -> None:
    with pytest.raises(
        ValueError, match=rf"logRetentionDays '{days}' is not a retention CloudWatch Logs accepts"
    ):
        settings_with(logRetentionDays=days)


def test_settings_rejects_unknown_instance_family() -> None:
    """Alarm sizing and Performance Insights need a known class."""
    with pytest.raises(ValueError, match=r"dbInstanceClass 'db\.x9\.large' unknown instance class"):
        settings_with(dbInstanceClass="db.x9.large")


def test_settings_rejects_unknown_instance_size() -> None:
    """A size the family does not come in."""
    with pytest.raises(ValueError, match=r"dbInstanceClass 'db\.t3\.huge' family 't3' has no size"):
        settings_with(dbInstanceClass="db.t3.huge")


def test_settings_rejects_malformed_instance_class() -> None:
    with pytest.raises(ValueError, match=r"dbInstanceClass 't3\.small' must look like db\."):
        settings_with(dbInstanceClass="t3.small")


@pytest.mark.parametrize(
    ("version", "rule"),
    [("16.x", "must be a PostgreSQL version"), ("11", "must be a PostgreSQL major RDS supports")],
)
def test_settings_rejects_bad_engine_version(version: str, rule: str) -> None:
    """The engine version is validated before any resource."""
    with pytest.raises(ValueError, match=rf"dbEngineVersion '{version}' {rule}"):
        settings_with(dbEngineVersion=version)


def test_settings_rejects_bad_email() -> None:
    with pytest.raises(ValueError, match=r"alarmEmails .* contains 'oncall', which is not an"):
        settings_with(alarmEmails="oncall,ops@example.com")


def test_settings_rejects_missing_email() -> None:
    config = base_config()
    del config["alarmEmails"]
    with pytest.raises(ValueError, match=r"cw-analytics:alarmEmails is required"):
        settings_from_config(config, REGION)


def test_settings_rejects_empty_email_list() -> None:
    with pytest.raises(ValueError, match=r"alarmEmails '\[\]' must name at least one address"):
        settings_with(alarmEmails="[]")


def test_settings_rejects_bad_schedule() -> None:
    with pytest.raises(
        ValueError, match=r"aggregatorSchedule 'every 5 minutes' must be an EventBridge rate"
    ):
        settings_with(aggregatorSchedule="every 5 minutes")


def test_settings_rejects_schedule_too_slow() -> None:
    with pytest.raises(
        ValueError, match=r"aggregatorSchedule 'rate\(12 hours\)' must run at least every 8 hours"
    ):
        settings_with(aggregatorSchedule="rate(12 hours)")


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


def test_settings_rejects_storage_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"dbAllocatedStorage '10' must be between 20 and 65536"):
        settings_with(dbAllocatedStorage="10")


@pytest.mark.parametrize(("raw", "expected"), [("false", False), ("true", True)])
def test_settings_reads_apply_immediately(raw: str, expected: bool) -> None:
    assert settings_with(dbApplyImmediately=raw).db_apply_immediately is expected


def test_settings_apply_immediately_independent_of_deletion_protection() -> None:
    """One key per decision: protecting the database does not defer its changes."""
    settings = settings_with(dbDeletionProtection="true", dbBackupRetentionDays="7")
    assert settings.db_apply_immediately is True
    assert settings_with(dbApplyImmediately="false").db_deletion_protection is False


def test_settings_rejects_deletion_protection_without_backups() -> None:
    """A protected database keeps backups."""
    with pytest.raises(
        ValueError, match=r"dbBackupRetentionDays '0' must be at least 1 when dbDeletionProtection"
    ):
        settings_with(dbDeletionProtection="true", dbBackupRetentionDays="0")


def test_settings_lists_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        settings_with(region=None, environmentSuffix="Dev", vpcCidr="8.8.0.0/16")
    problems = raised.value.problems
    assert len(problems) == 3, problems
    assert any("environmentSuffix" in p for p in problems)
    assert any("vpcCidr" in p for p in problems)
    assert any("aws:region" in p for p in problems)


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


@pytest.mark.parametrize("days", ["6", "31", "0", "-7"])
def test_settings_rejects_key_deletion_window_kms_refuses(days: str) -> None:
    with pytest.raises(
        ValueError, match=rf"keyDeletionWindowDays '{days}' must be between 7 and 30 days"
    ):
        settings_with(keyDeletionWindowDays=days)


@pytest.mark.parametrize("days", ["7", "30"])
def test_settings_accepts_key_deletion_window_bounds(days: str) -> None:
    assert settings_with(keyDeletionWindowDays=days).key_deletion_window_days == int(days)


@pytest.mark.parametrize("days", ["1", "6", "31", "-1"])
def test_settings_rejects_secret_recovery_window_secrets_manager_refuses(days: str) -> None:
    with pytest.raises(
        ValueError, match=rf"secretRecoveryWindowDays '{days}' must be 0 \(delete at once\) or"
    ):
        settings_with(secretRecoveryWindowDays=days)


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


@pytest.mark.parametrize("value", ["0", "2", "50"])
def test_settings_rejects_aggregator_reservation_other_than_one(value: str) -> None:
    with pytest.raises(
        ValueError, match=rf"aggregatorReservedConcurrency '{value}' must be -1 .* or 1"
    ):
        settings_with(aggregatorReservedConcurrency=value)


def test_settings_protect_stateful_resources_defaults_off_and_reads_true() -> None:
    assert settings_from_config(base_config(), REGION).protect_stateful_resources is False
    config = {**base_config(), "protectStatefulResources": "true"}
    assert settings_from_config(config, REGION).protect_stateful_resources is True
